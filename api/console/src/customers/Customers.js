// Customers on the map, coloured by stage, with filters by stage and owner; a click shows
// the customer's details and visits.
import { allItems, api } from "../api.js";
import { Badge, Chips, ErrorBox, Loading, Panel, Table, Toolbar } from "../components/basic.js";
import { useLoad } from "../components/hooks.js";
import { StaffPicker } from "../components/pickers.js";
import { html } from "../html.js";
import { formatDistance, formatTime, t } from "../i18n.js";
import { MapView } from "../map/MapView.js";
import { route, setParams } from "../router.js";
import { CustomersLayer } from "./layers.js";

export const STAGES = ["prospect", "intended", "partner", "lost"];
export const STAGE_TONES = { prospect: "neutral", intended: "warn", partner: "ok", lost: "danger" };

function Detail({ id }) {
  const { data, error, loading } = useLoad(
    () => Promise.all([api(`/api/v1/customers/${id}`), api("/api/v1/visits", { query: { customer_id: id, limit: 20 } })]),
    [id],
  );
  if (loading && !data) return html`<${Loading} />`;
  if (error) return html`<${ErrorBox} error=${error} />`;
  const [c, visits] = data;
  return html`<${Panel} title=${c.name} class="customer-detail">
    <p><${Badge} tone=${STAGE_TONES[c.stage]}>${t(`customers:stage_${c.stage}`)}<//> ${t(`customers:kind_${c.kind}`)} ${c.owner_name ? `· ${c.owner_name}` : ""}</p>
    ${c.address && html`<p class="muted">${c.address}</p>`}
    <${Table}
      rows=${visits.items}
      empty=${t("customers:no_visits")}
      columns=${[
        { key: "at", label: t("customers:when"), render: (v) => formatTime(v.check_in_at) },
        { key: "type", label: t("customers:visit_type"), render: (v) => t(`customers:type_${v.type}`) },
        { key: "verification", label: t("customers:verification"), render: (v) => html`<${Badge} tone=${v.verification === "verified" ? "ok" : "warn"}>${t(`customers:${v.verification}`)}<//> ${formatDistance(v.distance_m)}` },
        { key: "outcome", label: t("customers:outcome"), render: (v) => v.outcome ?? "" },
      ]}
    />
  <//>`;
}

export function Customers() {
  const { stage = "", owner = "", customer = "" } = route.value.params;
  const { data, error, loading } = useLoad(
    () => allItems("/api/v1/customers", { owner_id: owner || undefined }, { limit: 200, max: 5000 }),
    [owner],
  );
  const all = data ?? [];
  const shown = stage ? all.filter((c) => c.stage === stage) : all;
  const counts = STAGES.map((s) => ({ value: s, label: t(`customers:stage_${s}`), count: all.filter((c) => c.stage === s).length, class: `stage-${s}` }));
  return html`<div class="customers-map-page" data-count=${shown.length}>
    <${Toolbar}>
      <${StaffPicker} value=${owner} label=${t("customers:owner")} onValue=${(v) => setParams({ owner: v })} />
    <//>
    <${Chips} items=${counts} value=${stage} onValue=${(v) => setParams({ stage: v })} />
    <${ErrorBox} error=${error} />
    ${loading && !data && html`<${Loading} />`}
    <div class="customers-layout">
      <div class="customers-map">
        <${MapView} label=${t("customers:map")}>
          <${CustomersLayer} customers=${shown} fit onSelect=${(c) => setParams({ customer: c.id })} />
        <//>
      </div>
      ${customer && html`<${Detail} key=${customer} id=${customer} />`}
    </div>
  </div>`;
}
