// Today's attendance board of a team: who is in, who came late, who is not in yet, who is
// on leave or on a trip; read again every minute.
import { allItems } from "../api.js";
import { Badge, Chips, ErrorBox, Loading, Panel, Toolbar } from "../components/basic.js";
import { useInterval, useLoad, usePaged } from "../components/hooks.js";
import { PagedTable } from "../components/lists.js";
import { dayStart, isoLocal } from "../dates.js";
import { UnitPicker } from "../components/pickers.js";
import { html } from "../html.js";
import { formatDistance, formatTime, t } from "../i18n.js";
import { route, setParams } from "../router.js";
import { DAY_TONES, tenantToday } from "./data.js";

/** Where a person stands today, for the board. */
export function boardState(day) {
  if (day.status === "on_leave") return "on_leave";
  if (day.status === "business_trip") return "business_trip";
  if (!day.first_in) return day.status === "rest_day" || day.status === "holiday" ? "off" : "not_in";
  if (day.last_out && !day.flags.includes("in_progress")) return "gone";
  if (day.last_out) return "out";
  return "in";
}
const STATES = ["in", "out", "gone", "not_in", "on_leave", "business_trip", "off"];

async function load(unit) {
  const today = await tenantToday();
  const [days, people] = await Promise.all([
    allItems("/api/v1/attendance/days", { from: today, to: today, org_unit_id: unit || undefined }),
    allItems("/api/v1/staff", { org_unit: unit || undefined, active: true }),
  ]);
  const names = new Map(people.map((p) => [p.id, p.name]));
  const rows = days
    .filter((d) => names.has(d.staff_id))
    .map((d) => ({ ...d, name: names.get(d.staff_id), state: boardState(d) }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { today, rows, names };
}

function Person({ row }) {
  return html`<article class="board-person" data-staff=${row.staff_id} data-state=${row.state} data-status=${row.status}>
    <strong>${row.name}</strong>
    <${Badge} tone=${DAY_TONES[row.status]}>${t(`attendance:status_${row.status}`)}<//>
    <span class="muted">
      ${row.first_in && html`${t("attendance:in_at", { time: formatTime(row.first_in, { date: false }) })}`}
      ${row.last_out && html` · ${t("attendance:out_at", { time: formatTime(row.last_out, { date: false }) })}`}
      ${row.late_minutes > 0 && html` · ${t("attendance:late_by", { n: row.late_minutes })}`}
    </span>
  </article>`;
}

/** 外勤打卡: today's field punches of the unit, with the note each needs. */
function FieldPunches({ unit, today, names }) {
  const list = usePaged("/api/v1/attendance/punches", { field: "true", from: isoLocal(dayStart(today)), org_unit_id: unit || undefined }, { limit: 20 });
  const columns = [
    { key: "time", label: t("attendance:punch_time"), render: (p) => formatTime(p.time, { date: false }) },
    { key: "person", label: t("attendance:person"), render: (p) => names.get(p.staff_id) ?? "" },
    { key: "kind", label: t("attendance:punch_kind"), render: (p) => t(`attendance:kind_${p.kind}`) },
    { key: "note", label: t("attendance:note"), render: (p) => p.note },
    { key: "where", label: t("attendance:distance"), render: (p) => (p.distance_m == null ? "" : formatDistance(Math.abs(p.distance_m))) },
    { key: "status", label: t("attendance:status"), render: (p) => (p.status === "refused" ? t("attendance:refused", { reason: p.reason }) : "") },
  ];
  return html`<${Panel} title=${t("attendance:field_punches")} class="field-punches">
    <${PagedTable} list=${list} columns=${columns} empty=${t("attendance:no_field_punches")} />
  <//>`;
}

export function Board() {
  const { unit = "", state = "" } = route.value.params;
  const { data, error, loading, reload } = useLoad(() => load(unit), [unit]);
  useInterval(reload, 60_000);
  const counts = new Map(STATES.map((s) => [s, 0]));
  for (const r of data?.rows ?? []) counts.set(r.state, counts.get(r.state) + 1);
  const late = (data?.rows ?? []).filter((r) => r.status === "late").length;
  const shown = (data?.rows ?? []).filter((r) => !state || r.state === state);
  return html`<div class="attendance-board" data-day=${data?.today}>
    <${Toolbar}>
      <${UnitPicker} value=${unit} label=${t("attendance:unit")} onValue=${(v) => setParams({ unit: v })} />
      ${data && html`<strong>${data.today}</strong> <span class="muted">${t("attendance:late_count", { n: late })}</span>`}
    <//>
    <${Chips} items=${STATES.map((s) => ({ value: s, label: t(`attendance:state_${s}`), count: counts.get(s) }))} value=${state} onValue=${(v) => setParams({ state: v })} />
    <${ErrorBox} error=${error} onRetry=${reload} />
    ${loading && !data && html`<${Loading} />`}
    <div class="board-people">${shown.map((r) => html`<${Person} key=${r.staff_id} row=${r} />`)}</div>
    ${data && html`<${FieldPunches} unit=${unit} today=${data.today} names=${data.names} />`}
  </div>`;
}
