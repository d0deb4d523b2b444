// Deciding a request: approve in one tap; reject or return in two (a sheet asks why).
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { Button, Dialog, ErrorBox, Field, TextArea } from "../components/basic.js";
import { useAction } from "../components/hooks.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { refreshWaiting } from "./data.js";

export function DecisionButtons({ request, onDone, compact = false }) {
  const [asking, setAsking] = useState(null); // "reject" | "return"
  const [comment, setComment] = useState("");
  const action = useAction();
  const decide = (kind, text) =>
    action.run(async () => {
      const body = { action: kind, step: request.step, round: request.round };
      if (text) body.comment = text;
      const answer = await api(`/api/v1/approvals/${request.id}/decisions`, { method: "POST", body });
      setAsking(null);
      setComment("");
      refreshWaiting();
      onDone?.(answer);
    });
  return html`<div class=${`decision${compact ? " decision-compact" : ""}`}>
    <${Button} kind="primary" busy=${action.busy && !asking} onClick=${() => decide("approve")} data-action="approve">
      ${t("approvals:approve")}
    <//>
    <${Button} kind="danger" disabled=${action.busy} onClick=${() => setAsking("reject")} data-action="reject">
      ${t("approvals:reject")}
    <//>
    <${Button} disabled=${action.busy} onClick=${() => setAsking("return")} data-action="return">
      ${t("approvals:return")}
    <//>
    ${!asking && html`<${ErrorBox} error=${action.error} />`}
    ${asking &&
    html`<${Dialog}
      title=${t(`approvals:${asking}_title`)}
      onClose=${() => setAsking(null)}
      actions=${html`
        <${Button} onClick=${() => setAsking(null)}>${t("cancel")}<//>
        <${Button}
          kind=${asking === "reject" ? "danger" : "primary"}
          busy=${action.busy}
          disabled=${!comment.trim()}
          onClick=${() => decide(asking, comment.trim())}
          data-action=${`confirm-${asking}`}
        >${t(`approvals:${asking}`)}<//>
      `}
    >
      <${Field} label=${t("approvals:reason")} hint=${t("approvals:reason_hint")}>
        <${TextArea} value=${comment} onValue=${setComment} rows="3" maxlength="1000" autofocus />
      <//>
      <${ErrorBox} error=${action.error} />
    <//>`}
  </div>`;
}
