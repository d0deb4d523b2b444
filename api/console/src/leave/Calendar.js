// The team's leave calendar: the people of a unit by the days of a month, each day of
// approved leave marked by its type (pending requests hatched), half days as halves,
// weekends shaded.
import { allItems } from "../api.js";
import { Button, ErrorBox, Loading, Toolbar } from "../components/basic.js";
import { useLoad } from "../components/hooks.js";
import { UnitPicker } from "../components/pickers.js";
import { localDate, parseDay, shiftMonth } from "../dates.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { href, route, setParams } from "../router.js";

const SHOWN = new Set(["approved", "in_approval"]);

export function monthDays(month) {
  const first = parseDay(`${month}-01`);
  const out = [];
  for (let d = first; d && localDate(d).startsWith(month); d = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1)) {
    out.push(localDate(d));
  }
  return out;
}

async function load(unit, month) {
  const days = monthDays(month);
  const [people, requests] = await Promise.all([
    allItems("/api/v1/staff", { org_unit: unit || undefined, active: true }),
    allItems("/api/v1/leave-requests", { from: days[0], to: days[days.length - 1] }),
  ]);
  const marks = new Map(); // staff id → day → {code, part, status}
  for (const r of requests) {
    if (!SHOWN.has(r.status)) continue;
    const mine = marks.get(r.staff_id) ?? new Map();
    for (const p of r.parts) mine.set(p.day, { code: r.code, part: p.part, status: r.status, approval: r.approval_id });
    marks.set(r.staff_id, mine);
  }
  return { days, people: people.sort((a, b) => a.name.localeCompare(b.name)), marks };
}

export function Calendar() {
  const { unit = "", month = localDate().slice(0, 7) } = route.value.params;
  const { data, error, loading, reload } = useLoad(() => load(unit, month), [unit, month]);
  return html`<div class="leave-calendar" data-month=${month}>
    <${Toolbar}>
      <${UnitPicker} value=${unit} label=${t("leave:unit")} onValue=${(v) => setParams({ unit: v })} />
      <${Button} kind="ghost" aria-label=${t("leave:previous_month")} onClick=${() => setParams({ month: shiftMonth(month, -1) })}>‹<//>
      <strong class="month">${month}</strong>
      <${Button} kind="ghost" aria-label=${t("leave:next_month")} onClick=${() => setParams({ month: shiftMonth(month, 1) })}>›<//>
    <//>
    <${ErrorBox} error=${error} onRetry=${reload} />
    ${loading && !data && html`<${Loading} />`}
    ${data &&
    html`<div class="calendar-wrap">
      <table class="calendar">
        <thead>
          <tr>
            <th>${t("leave:person")}</th>
            ${data.days.map((d) => html`<th class=${parseDay(d).getDay() % 6 === 0 ? "weekend" : ""} title=${d}>${Number(d.slice(8))}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${data.people.map((p) => {
            const mine = data.marks.get(p.id);
            return html`<tr key=${p.id} data-staff=${p.id}>
              <th>${p.name}</th>
              ${data.days.map((d) => {
                const m = mine?.get(d);
                const weekend = parseDay(d).getDay() % 6 === 0 ? " weekend" : "";
                if (!m) return html`<td class=${`day${weekend}`}></td>`;
                const title = `${p.name} · ${d} · ${m.code} · ${t(`leave:part_${m.part}`)} · ${t(`leave:status_${m.status}`)}`;
                return html`<td class=${`day${weekend} leave leave-${m.status} part-${m.part}`} data-day=${d} data-code=${m.code} title=${title}>
                  <a href=${m.approval ? href("/approvals", { id: m.approval }) : undefined}>${m.code.slice(0, 2)}</a>
                </td>`;
              })}
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
    <p class="legend muted">${t("leave:legend")}</p>`}
  </div>`;
}

