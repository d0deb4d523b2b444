// 月度考勤表: the monthly grid of a team, a status code per person and day and the month's
// totals, with its CSV and XLSX (the XLSX has the legend on a second sheet).
import { api, download } from "../api.js";
import { Button, ErrorBox, Loading, Toolbar } from "../components/basic.js";
import { useLoad } from "../components/hooks.js";
import { UnitPicker } from "../components/pickers.js";
import { localDate, parseDay, shiftMonth } from "../dates.js";
import { html } from "../html.js";
import { formatNumber, formatTime, t } from "../i18n.js";
import { route, setParams } from "../router.js";

const TOTALS = ["present_days", "late_days", "early_leave_days", "absent_days", "business_trip_days", "overtime_hours"];

export function Grid() {
  const { unit = "", month = localDate().slice(0, 7) } = route.value.params;
  const query = { month, org_unit_id: unit || undefined };
  const { data, error, loading, reload } = useLoad(() => api("/api/v1/attendance/monthly", { query }), [unit, month]);
  const save = (format) => download("/api/v1/attendance/monthly", { ...query, format }, `attendance-${month}.${format}`);
  return html`<div class="attendance-grid" data-month=${month}>
    <${Toolbar}>
      <${UnitPicker} value=${unit} label=${t("attendance:unit")} onValue=${(v) => setParams({ unit: v })} />
      <${Button} kind="ghost" aria-label=${t("attendance:previous_month")} onClick=${() => setParams({ month: shiftMonth(month, -1) })}>‹<//>
      <strong class="month">${month}</strong>
      <${Button} kind="ghost" aria-label=${t("attendance:next_month")} onClick=${() => setParams({ month: shiftMonth(month, 1) })}>›<//>
      <${Button} onClick=${() => save("csv")}>CSV<//>
      <${Button} onClick=${() => save("xlsx")}>XLSX<//>
    <//>
    <${ErrorBox} error=${error} onRetry=${reload} />
    ${loading && !data && html`<${Loading} />`}
    ${data &&
    html`${data.closed_at && html`<p class="muted">🔒 ${t("attendance:closed_at", { time: formatTime(data.closed_at) })}</p>`}
      <div class="calendar-wrap">
        <table class="calendar month-grid">
          <thead>
            <tr>
              <th>${t("attendance:person")}</th>
              ${data.days.map((d) => html`<th class=${parseDay(d).getDay() === 0 ? "weekend" : ""} title=${d}>${Number(d.slice(8))}</th>`)}
              ${TOTALS.map((k) => html`<th class="total">${t(`attendance:total_${k}`)}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${data.items.map(
              (r) => html`<tr key=${r.staff_id} data-staff=${r.staff_id}>
                <th title=${r.org_unit}>${r.name}</th>
                ${r.codes.map((c, k) => html`<td class=${`code code-${c.replace("*", "")}`} data-day=${data.days[k]} data-code=${c}>${c}</td>`)}
                ${TOTALS.map((k) => html`<td class="total">${formatNumber(r[k], 2)}</td>`)}
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <p class="legend muted">${data.legend.map((l) => `${l.code} ${t(`attendance:legend_${l.status}`)}`).join(" · ")}</p>`}
  </div>`;
}
