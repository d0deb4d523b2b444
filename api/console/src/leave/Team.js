// The team's balances for a year (the leave report, scoped), with its CSV and XLSX.
import { api, download } from "../api.js";
import { Button, ErrorBox, Input, Loading, Table, Toolbar } from "../components/basic.js";
import { useLoad } from "../components/hooks.js";
import { UnitPicker } from "../components/pickers.js";
import { html } from "../html.js";
import { formatNumber, t } from "../i18n.js";
import { route, setParams } from "../router.js";

const days = (x) => formatNumber(Number(x), 1);

export function Team() {
  const { unit = "", year = String(new Date().getFullYear()) } = route.value.params;
  const query = { year, org_unit: unit || undefined };
  const { data, error, loading, reload } = useLoad(() => api("/api/v1/reports/leave", { query }), [unit, year]);
  const columns = [
    { key: "name", label: t("leave:person"), render: (r) => r.name ?? html`<b>${r.org_unit}</b>` },
    { key: "type", label: t("leave:type"), render: (r) => r.leave_type },
    { key: "allocated", label: t("leave:allocated"), render: (r) => days(r.allocated) },
    { key: "carried", label: t("leave:carried"), render: (r) => days(r.carried) },
    { key: "taken", label: t("leave:taken"), render: (r) => days(r.taken) },
    { key: "pending", label: t("leave:pending"), render: (r) => days(r.pending) },
    { key: "available", label: t("leave:available"), render: (r) => days(r.available) },
  ];
  return html`<div class="leave-team">
    <${Toolbar}>
      <${UnitPicker} value=${unit} label=${t("leave:unit")} onValue=${(v) => setParams({ unit: v })} />
      <${Input} type="number" min="2000" max="2100" value=${year} aria-label=${t("leave:year")} onValue=${(v) => setParams({ year: v })} />
      <${Button} onClick=${() => download("/api/v1/reports/leave", { ...query, format: "csv" }, `leave-${year}.csv`)}>CSV<//>
      <${Button} onClick=${() => download("/api/v1/reports/leave", { ...query, format: "xlsx" }, `leave-${year}.xlsx`)}>XLSX<//>
    <//>
    <${ErrorBox} error=${error} onRetry=${reload} />
    ${loading && !data ? html`<${Loading} />` : data && html`<${Table} columns=${columns} rows=${data.items} rowKey=${(r) => `${r.staff_id}-${r.leave_type_id}-${r.org_unit_id}`} empty=${t("leave:no_balances")} />`}
  </div>`;
}
