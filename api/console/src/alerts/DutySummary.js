// A person's duty day by day: minutes in zone, off zone, without signal (and of unknown
// standing, and off duty), as a stacked bar chart and a table, for a period of up to 31 days.
import { useEffect } from "preact/hooks";
import { api } from "../api.js";
import { Empty, ErrorBox, Field, Input, Loading, Panel, Table, Toolbar } from "../components/basic.js";
import { useLoad } from "../components/hooks.js";
import { StaffPicker } from "../components/pickers.js";
import { html } from "../html.js";
import { formatNumber, t } from "../i18n.js";
import { setParams } from "../router.js";
import { DutyChart } from "./DutyChart.js";
import { dayStart, localDate } from "./lookups.js";

const COLUMNS = ["in_zone_min", "off_zone_min", "no_signal_min", "unknown_min", "off_duty_min"];
export const MAX_DAYS = 31;

export function DutySummary({ params }) {
  const { person = "", from = "", to = "" } = params;
  useEffect(() => {
    // a week up to today unless the link says otherwise, written down so it can be shared
    if (!from || !to) setParams({ from: from || localDate(dayStart(to || localDate(), -6)), to: to || localDate() });
  }, [from, to]);
  const summary = useLoad(
    (signal) =>
      person && from && to
        ? api(`/api/v1/staff/${person}/duty-summary`, { query: { from, to }, signal })
        : Promise.resolve(null),
    [person, from, to],
  );
  const days = summary.data?.days ?? [];
  const minutes = (key) => (d) => html`<span class="minutes" data-part=${key}>${formatNumber(d[key], 1)}</span>`;
  const columns = [
    { key: "date", label: t("date"), render: (d) => html`<span class="summary-date">${d.date}</span>` },
    ...COLUMNS.map((key) => ({ key, label: t(`alerts:${key}`), class: "num", render: minutes(key) })),
    {
      key: "events",
      label: t("alerts:events_started"),
      render: (d) =>
        Object.entries(d.events)
          .map(([type, n]) => `${t(`event_${type}`)} ${n}`)
          .join(" · ") || "–",
    },
  ];
  return html`<div class="alerts-summary">
    <${Toolbar}>
      <${Field} label=${t("person")}>
        <${StaffPicker} value=${person} onValue=${(v) => setParams({ person: v })} />
      <//>
      <${Field} label=${t("from")}>
        <${Input} type="date" name="from" value=${from} max=${to || undefined} onValue=${(v) => setParams({ from: v })} />
      <//>
      <${Field} label=${t("to")}>
        <${Input} type="date" name="to" value=${to} min=${from || undefined} onValue=${(v) => setParams({ to: v })} />
      <//>
      ${summary.data && html`<span class="toolbar-note">${t("alerts:summary_note", { days: MAX_DAYS, tz: summary.data.timezone })}</span>`}
    <//>
    <${ErrorBox} error=${summary.error} onRetry=${summary.reload} />
    ${!person
      ? html`<${Empty}>${t("alerts:choose_person_first")}<//>`
      : summary.loading && !summary.data
        ? html`<${Loading} />`
        : summary.data &&
          html`<${Panel} title=${t("alerts:chart_title")} class="summary-chart-panel">
              ${days.length ? html`<${DutyChart} days=${days} label=${t("alerts:chart_title")} />` : html`<${Empty} />`}
            <//>
            <${Table} columns=${columns} rows=${days} rowKey=${(d) => d.date} />`}
  </div>`;
}
