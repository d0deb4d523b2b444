// One claim: its lines (claimed and sanctioned, with the limits), the state of its
// approval, and its GPS verification on a map.
import { api } from "../api.js";
import { Badge, Button, ErrorBox, Loading, Panel, Table } from "../components/basic.js";
import { useLoad } from "../components/hooks.js";
import { html } from "../html.js";
import { formatNumber, formatTime, t } from "../i18n.js";
import { href, setParams } from "../router.js";
import { Verification } from "./Verification.js";

export const CLAIM_TONES = { draft: "neutral", submitted: "warn", in_approval: "warn", approved: "ok", rejected: "danger", returned: "warn", paid: "ok" };

export function ClaimStatus({ status }) {
  return html`<${Badge} tone=${CLAIM_TONES[status] ?? "neutral"}>${t(`travel:status_${status}`)}<//>`;
}

const money = (x) => (x == null ? "–" : formatNumber(Number(x), 2));

export function Claim({ id }) {
  const { data: claim, error, loading, reload } = useLoad((signal) => api(`/api/v1/travel-claims/${id}`, { signal }), [id]);
  if (loading && !claim) return html`<${Loading} />`;
  if (error) return html`<${ErrorBox} error=${error} onRetry=${reload} />`;
  const lines = [
    { key: "category", label: t("travel:category"), render: (l) => t(`travel:cat_${l.category}`) },
    { key: "date", label: t("travel:date") },
    { key: "amount", label: t("travel:claimed"), render: (l) => money(l.amount) },
    { key: "km", label: t("travel:km"), render: (l) => (l.claimed_km == null ? "" : formatNumber(Number(l.claimed_km), 1)) },
    { key: "limit", label: t("travel:limit"), render: (l) => html`${money(l.limit)}${l.over_limit ? html` <${Badge} tone="warn">${t("travel:over_limit")}<//>` : ""}` },
    { key: "sanctioned", label: t("travel:sanctioned"), render: (l) => html`${money(l.sanctioned_amount)}${l.sanction_reason ? html` <small>${l.sanction_reason}</small>` : ""}` },
  ];
  return html`<div class="claim-page" data-claim=${claim.id} data-status=${claim.status}>
    <${Panel}
      title=${claim.purpose}
      actions=${html`<${ClaimStatus} status=${claim.status} /><${Button} kind="ghost" aria-label=${t("close")} onClick=${() => setParams({ claim: "" })}>✕<//>`}
    >
      <dl class="facts">
        <dt>${t("travel:period")}</dt><dd>${claim.start === claim.end ? claim.start : `${claim.start} – ${claim.end}`}</dd>
        <dt>${t("travel:total")}</dt><dd>${claim.currency} ${money(claim.total)}</dd>
        <dt>${t("travel:payable")}</dt><dd>${claim.currency} ${money(claim.payable)}</dd>
        ${claim.paid_at && html`<dt>${t("travel:paid_at")}</dt><dd>${formatTime(claim.paid_at)}</dd>`}
        ${claim.approval_id && html`<dt>${t("travel:approval")}</dt><dd><a href=${href("/approvals", { id: claim.approval_id })}>${t("travel:open_approval")}</a></dd>`}
      </dl>
      <${Table} columns=${lines} rows=${claim.lines} />
    <//>
    <${Verification} claim=${claim} />
  </div>`;
}
