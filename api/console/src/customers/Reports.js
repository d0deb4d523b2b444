// Field-sales reports over a period and a unit, each a chart over its table with CSV and
// XLSX: visits per rep and kind, coverage of the partner outlets, the funnel of customers
// by stage, planned against actual, and inspection scores (each team's weekly trend, each
// outlet's trend and open corrective actions).
import { api, download } from "../api.js";
import { Button, ErrorBox, Input, Loading, Panel, Table, Toolbar } from "../components/basic.js";
import { Chart, cssColour } from "../components/Chart.js";
import { useLoad } from "../components/hooks.js";
import { UnitPicker } from "../components/pickers.js";
import { addDays, localDate } from "../dates.js";
import { html } from "../html.js";
import { formatNumber, t } from "../i18n.js";
import { route, setParams } from "../router.js";
import { STAGES } from "./Customers.js";
import { Grade } from "./Inspections.js";
import { VISIT_TYPES } from "./Visits.js";

const percent = (share) => `${formatNumber(share * 100, 0)}%`;

function Downloads({ path, query, name }) {
  const save = (format) => download(path, { ...query, format }, `${name}.${format}`);
  return html`<${Button} kind="ghost" onClick=${() => save("csv")}>CSV<//><${Button} kind="ghost" onClick=${() => save("xlsx")}>XLSX<//>`;
}

/** One report: its panel, loading its rows and drawing them as `children(data)`. */
function Report({ title, path, query, name, cls, downloads = true, children }) {
  const key = JSON.stringify(query);
  const { data, error, loading, reload } = useLoad(() => api(path, { query }), [path, key]);
  return html`<${Panel} class=${`report ${cls}`} title=${title} actions=${downloads && html`<${Downloads} path=${path} query=${query} name=${name} />`}>
    <${ErrorBox} error=${error} onRetry=${reload} />
    ${loading && !data && html`<${Loading} />`}
    ${data && children(data)}
  <//>`;
}

function bars(categories, series, { stack = true, percentAxis = false } = {}) {
  return (narrow) => ({
    grid: { left: 8, right: 8, top: narrow ? 56 : 32, bottom: 8, containLabel: true },
    legend: series.length > 1 ? { top: 0 } : undefined,
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "category", data: categories, axisLabel: { interval: 0, rotate: categories.length > 6 ? 30 : 0 } },
    yAxis: percentAxis ? { type: "value", max: 100, axisLabel: { formatter: "{value}%" } } : { type: "value", minInterval: 1 },
    series: series.map((s) => ({ type: "bar", stack: stack ? "all" : undefined, barMaxWidth: 40, ...s })),
  });
}

function VisitsReport({ query }) {
  return html`<${Report} title=${t("customers:report_visits")} path="/api/v1/reports/visits" query=${query} name="visits" cls="report-visits">
    ${(data) => html`<${Chart}
        label=${t("customers:report_visits")}
        deps=${[data]}
        option=${bars(
          data.items.map((r) => r.name),
          VISIT_TYPES.map((k) => ({ name: t(`customers:type_${k}`), data: data.items.map((r) => r[k]) })),
        )}
      />
      <${Table}
        rows=${data.items}
        rowKey=${(r) => r.staff_id}
        columns=${[
          { key: "name", label: t("customers:rep") },
          ...VISIT_TYPES.map((k) => ({ key: k, label: t(`customers:type_${k}`) })),
          { key: "verified_share", label: t("customers:verified_share"), render: (r) => percent(r.verified_share) },
          { key: "minutes_on_site", label: t("customers:minutes_on_site"), render: (r) => (r.minutes_on_site == null ? "—" : formatNumber(r.minutes_on_site, 0)) },
        ]}
      />`}
  <//>`;
}

function CoverageReport({ query }) {
  return html`<${Report} title=${t("customers:report_coverage")} path="/api/v1/reports/coverage" query=${query} name="coverage" cls="report-coverage">
    ${(data) => html`<${Chart}
        label=${t("customers:report_coverage")}
        deps=${[data]}
        option=${bars(
          data.items.map((r) => r.org_unit),
          [{ name: t("customers:coverage_share"), data: data.items.map((r) => Math.round(r.share * 1000) / 10), itemStyle: { color: cssColour("in_zone", "#2e8540") } }],
          { percentAxis: true },
        )}
      />
      <${Table}
        rows=${data.items}
        rowKey=${(r) => r.org_unit_id}
        columns=${[
          { key: "org_unit", label: t("customers:unit") },
          { key: "partners", label: t("customers:partners") },
          { key: "visited", label: t("customers:visited") },
          { key: "share", label: t("customers:coverage_share"), render: (r) => percent(r.share) },
        ]}
      />`}
  <//>`;
}

function FunnelReport({ query }) {
  const funnel = { org_unit: query.org_unit };
  return html`<${Report} title=${t("customers:report_funnel")} path="/api/v1/reports/funnel" query=${funnel} name="funnel" cls="report-funnel" downloads=${false}>
    ${(data) => html`<${Chart}
        label=${t("customers:report_funnel")}
        deps=${[data]}
        option=${() => ({
          tooltip: { trigger: "item" },
          series: [
            {
              type: "funnel",
              sort: "none",
              left: "10%",
              width: "80%",
              label: { formatter: "{b}: {c}" },
              data: STAGES.filter((s) => s !== "lost").map((s) => ({ name: t(`customers:stage_${s}`), value: data[s] })),
            },
          ],
        })}
      />
      <p class="funnel-counts">${STAGES.map((s) => html`<span data-stage=${s}>${t(`customers:stage_${s}`)} <strong>${data[s]}</strong></span> `)}</p>`}
  <//>`;
}

function PlansReport({ query }) {
  const plans = { from: query.from, to: query.to, org_unit_id: query.org_unit };
  const parts = [
    { key: "done", colour: "in_zone" },
    { key: "missed", colour: "off_zone" },
    { key: "to_come", colour: "unknown" },
    { key: "unplanned", colour: "no_signal" },
  ];
  return html`<${Report} title=${t("customers:report_plans")} path="/api/v1/work-plans/summary" query=${plans} name="plans" cls="report-plans">
    ${(data) => html`<${Chart}
        label=${t("customers:report_plans")}
        deps=${[data]}
        option=${bars(
          data.items.map((r) => r.name),
          parts.map((p) => ({ name: t(`customers:plan_${p.key}`), stack: p.key === "unplanned" ? "extra" : "plan", data: data.items.map((r) => r[p.key]), itemStyle: { color: cssColour(p.colour) } })),
          { stack: false },
        )}
      />
      <${Table}
        rows=${data.items}
        rowKey=${(r) => r.staff_id}
        columns=${[
          { key: "name", label: t("customers:rep") },
          { key: "planned", label: t("customers:plan_planned") },
          ...parts.map((p) => ({ key: p.key, label: t(`customers:plan_${p.key}`) })),
        ]}
      />`}
  <//>`;
}

function ScoresReport({ query }) {
  return html`<${Report} title=${t("customers:report_team_scores")} path="/api/v1/reports/inspections/teams" query=${query} name="team-scores" cls="report-team-scores">
    ${(data) => {
      const weeks = [...new Set(data.items.map((r) => r.week))].sort();
      const teams = [...new Set(data.items.map((r) => r.org_unit))];
      const at = (team, week) => data.items.find((r) => r.org_unit === team && r.week === week)?.mean_score ?? null;
      return html`<${Chart}
        label=${t("customers:report_team_scores")}
        deps=${[data]}
        option=${(narrow) => ({
          grid: { left: 8, right: 8, top: narrow ? 56 : 32, bottom: 8, containLabel: true },
          legend: { top: 0 },
          tooltip: { trigger: "axis" },
          xAxis: { type: "category", data: weeks.map((w) => w.slice(5)) },
          yAxis: { type: "value", min: 0, max: 100 },
          series: teams.map((team) => ({ type: "line", name: team, connectNulls: true, data: weeks.map((w) => at(team, w)) })),
        })}
      />`;
    }}
  <//>
  <${Report} title=${t("customers:report_outlet_scores")} path="/api/v1/reports/inspections" query=${query} name="inspection-scores" cls="report-outlet-scores">
    ${(data) => html`<${Table}
      rows=${data.items}
      rowKey=${(r) => r.customer_id}
      columns=${[
        { key: "customer", label: t("customers:customer") },
        { key: "org_unit", label: t("customers:unit") },
        { key: "inspections", label: t("customers:inspections") },
        { key: "mean_score", label: t("customers:mean_score"), render: (r) => (r.mean_score == null ? "—" : formatNumber(r.mean_score, 1)) },
        { key: "trend", label: t("customers:trend"), render: (r) => (r.trend == null ? "—" : `${r.trend > 0 ? "▲" : r.trend < 0 ? "▼" : "="} ${formatNumber(Math.abs(r.trend), 1)}`) },
        { key: "last_grade", label: t("customers:grade"), render: (r) => html`<${Grade} grade=${r.last_grade} />` },
        { key: "open_actions", label: t("customers:open_actions") },
      ]}
    />`}
  <//>`;
}

export function Reports() {
  const { unit = "", from = addDays(localDate(), -29), to = localDate() } = route.value.params;
  const query = { from, to, org_unit: unit || undefined };
  return html`<div class="field-reports" data-from=${from} data-to=${to}>
    <${Toolbar}>
      <${UnitPicker} value=${unit} label=${t("customers:unit")} onValue=${(v) => setParams({ unit: v })} />
      <${Input} type="date" value=${from} aria-label=${t("customers:from")} onValue=${(v) => setParams({ from: v })} />
      <${Input} type="date" value=${to} aria-label=${t("customers:to")} onValue=${(v) => setParams({ to: v })} />
    <//>
    <div class="report-grid">
      <${VisitsReport} query=${query} />
      <${CoverageReport} query=${query} />
      <${FunnelReport} query=${query} />
      <${PlansReport} query=${query} />
      <${ScoresReport} query=${query} />
    </div>
  </div>`;
}
