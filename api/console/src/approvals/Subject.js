// What a request asks for: a leave request's type, dates and days, or a travel claim's
// purpose, amounts and GPS flags (the map is on the claim's own page).
import { Badge } from "../components/basic.js";
import { html } from "../html.js";
import { formatNumber, formatTime, t } from "../i18n.js";
import { href } from "../router.js";

const FLAG_TONES = { distance_overclaimed: "danger", destination_unverified: "warn", no_tracking: "warn", mock_location: "danger" };

export function Flags({ flags }) {
  if (!flags?.length) return html`<${Badge} tone="ok">${t("approvals:gps_ok")}<//>`;
  return html`<span class="flags">${flags.map(
    (f) => html`<${Badge} tone=${FLAG_TONES[f] ?? "warn"} data-flag=${f}>${t(`approvals:flag_${f}`)}<//> `,
  )}</span>`;
}

function period(subject) {
  const start = subject.start;
  const end = subject.end;
  return start === end ? start : `${start} – ${end}`;
}

function Correction({ subject }) {
  return html`<span class="subject-line">
    <b>${t(`approvals:punch_${subject.kind}`)}</b>${" · "}${formatTime(subject.time)}${" · "}${subject.reason}
  </span>`;
}

export function SubjectLine({ kind, subject }) {
  if (!subject) return html`<span class="muted">${t("approvals:subject_hidden")}</span>`;
  if (kind === "attendance_correction") return html`<${Correction} subject=${subject} />`;
  if (kind === "leave") {
    const half = [subject.start_half && t(`approvals:half_${subject.start_half}`), subject.end_half && t(`approvals:half_${subject.end_half}`)]
      .filter(Boolean)
      .join(", ");
    return html`<span class="subject-line">
      <b>${subject.code}</b>
      ${" · "}${period(subject)}${half && ` (${half})`}
      ${" · "}${t("approvals:days", { count: Number(subject.days) })}
    </span>`;
  }
  return html`<span class="subject-line">
    <b>${subject.purpose}</b>${" · "}${period(subject)}
    ${" · "}${subject.currency} ${formatNumber(Number(subject.total), 2)}
    ${" "}<${Flags} flags=${subject.verification?.flags} />
  </span>`;
}

export function SubjectDetail({ kind, subject }) {
  if (!subject) return html`<p class="muted">${t("approvals:subject_hidden")}</p>`;
  if (kind === "attendance_correction") {
    return html`<dl class="facts">
      <dt>${t("approvals:punch")}</dt><dd>${t(`approvals:punch_${subject.kind}`)}</dd>
      <dt>${t("approvals:punch_time")}</dt><dd>${formatTime(subject.time)}</dd>
      <dt>${t("approvals:reason")}</dt><dd>${subject.reason}</dd>
    </dl>`;
  }
  if (kind === "leave") {
    return html`<dl class="facts">
      <dt>${t("approvals:leave_type")}</dt><dd>${subject.code}</dd>
      <dt>${t("approvals:period")}</dt><dd>${period(subject)}</dd>
      <dt>${t("approvals:days_label")}</dt><dd>${formatNumber(Number(subject.days), 1)}</dd>
      <dt>${t("approvals:reason")}</dt><dd>${subject.reason || "–"}</dd>
      ${subject.attachment_id &&
      html`<dt>${t("approvals:certificate")}</dt><dd><a href=${`/api/v1/attachments/${subject.attachment_id}/content`} target="_blank" rel="noopener">${t("approvals:open")}</a></dd>`}
    </dl>`;
  }
  return html`<div class="claim-summary">
    <dl class="facts">
      <dt>${t("approvals:purpose")}</dt><dd>${subject.purpose}</dd>
      <dt>${t("approvals:period")}</dt><dd>${period(subject)}</dd>
      <dt>${t("approvals:total")}</dt><dd>${subject.currency} ${formatNumber(Number(subject.total), 2)}</dd>
      <dt>${t("approvals:gps")}</dt><dd><${Flags} flags=${subject.verification?.flags} /></dd>
    </dl>
    <table class="table lines">
      <thead><tr><th>${t("approvals:category")}</th><th>${t("approvals:date")}</th><th>${t("approvals:claimed")}</th><th>${t("approvals:sanctioned")}</th></tr></thead>
      <tbody>${(subject.lines ?? []).map(
        (l) => html`<tr key=${l.id}>
          <td data-label=${t("approvals:category")}>${t(`approvals:cat_${l.category}`)}${l.over_limit ? html` <${Badge} tone="warn">${t("approvals:over_limit")}<//>` : ""}</td>
          <td data-label=${t("approvals:date")}>${l.date}</td>
          <td data-label=${t("approvals:claimed")}>${formatNumber(Number(l.amount), 2)}</td>
          <td data-label=${t("approvals:sanctioned")}>${l.sanctioned_amount == null ? "–" : formatNumber(Number(l.sanctioned_amount), 2)}</td>
        </tr>`,
      )}</tbody>
    </table>
    <a class="btn" href=${href("/travel", { claim: subject.id })}>${t("approvals:see_on_map")}</a>
  </div>`;
}
