// A request's detail: what is asked, the chain of steps, the whole history, and what I may
// do (decide, comment, or withdraw my own); the API decides, the page only offers.
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { me } from "../auth.js";
import { Badge, Button, ErrorBox, Field, Loading, Panel, TextArea } from "../components/basic.js";
import { useAction } from "../components/hooks.js";
import { html } from "../html.js";
import { formatTime, t } from "../i18n.js";
import { setParams } from "../router.js";
import { DecisionButtons } from "./Actions.js";
import { decidingAs, refreshWaiting, useRequest } from "./data.js";
import { SubjectDetail } from "./Subject.js";

export const STATUS_TONES = { in_approval: "warn", approved: "ok", rejected: "danger", returned: "warn", withdrawn: "neutral" };

export function RequestStatus({ status }) {
  return html`<${Badge} tone=${STATUS_TONES[status] ?? "neutral"}>${t(`approvals:status_${status}`)}<//>`;
}

function HistoryEntry({ e, name }) {
  const who = e.actor_id ? name(e.actor_id) : t("approvals:engine");
  const behalf = e.on_behalf_of_id ? ` ${t("approvals:on_behalf", { name: name(e.on_behalf_of_id) })}` : "";
  const to = e.approver_ids?.length ? e.approver_ids.map(name).join(", ") : "";
  return html`<li class=${`history-${e.action}`} data-action=${e.action}>
    <time datetime=${e.at}>${formatTime(e.at)}</time>
    <span>
      <b>${t(`approvals:action_${e.action}`)}</b>
      ${e.step && html` · ${t("approvals:step_n", { step: e.step })}`}
      ${" · "}${who}${behalf}
      ${e.reason && html` · ${t(`approvals:reason_${e.reason}`, { defaultValue: e.reason })}`}
      ${to && (e.action === "wait" || e.action === "pass_up" || e.action === "escalate") && html` → ${to}`}
      ${e.to_admins && html` (${t("approvals:to_admins")})`}
    </span>
    ${e.comment && html`<q>${e.comment}</q>`}
  </li>`;
}

function Comment({ request, onDone }) {
  const [text, setText] = useState("");
  const action = useAction();
  const send = () =>
    action.run(async () => {
      const answer = await api(`/api/v1/approvals/${request.id}/comments`, { method: "POST", body: { comment: text.trim() } });
      setText("");
      onDone(answer);
    });
  return html`<div class="comment-box">
    <${Field} label=${t("approvals:comment")}>
      <${TextArea} value=${text} onValue=${setText} rows="2" maxlength="1000" />
    <//>
    <${Button} busy=${action.busy} disabled=${!text.trim()} onClick=${send}>${t("approvals:add_comment")}<//>
    <${ErrorBox} error=${action.error} />
  </div>`;
}

function Withdraw({ request, onDone }) {
  const action = useAction();
  return html`<div>
    <${Button}
      busy=${action.busy}
      onClick=${() => action.run(async () => onDone(await api(`/api/v1/approvals/${request.id}/withdraw`, { method: "POST", body: {} })))}
      data-action="withdraw"
    >${t("approvals:withdraw")}<//>
    <${ErrorBox} error=${action.error} />
  </div>`;
}

export function Detail({ id }) {
  const { data, error, loading, reload } = useRequest(id);
  if (loading && !data) return html`<${Loading} />`;
  if (error) return html`<${ErrorBox} error=${error} onRetry=${reload} />`;
  const { request, subject } = data;
  const name = (x) => request.names?.[x] ?? t("approvals:someone");
  const mine = request.requester_id === me.value?.id;
  const done = () => {
    refreshWaiting();
    reload();
  };
  return html`<div class="approval-detail" data-status=${request.status}>
    <${Panel}
      title=${html`${t(`approvals:kind_${request.kind}`)} · ${name(request.requester_id)}`}
      actions=${html`<${RequestStatus} status=${request.status} /><${Button} kind="ghost" aria-label=${t("close")} onClick=${() => setParams({ id: "" })}>✕<//>`}
    >
      <${SubjectDetail} kind=${request.kind} subject=${subject} />
      ${request.status === "in_approval" &&
      html`<p class="chain">
        ${t("approvals:step_of", { step: request.step, steps: request.steps })}:
        ${" "}${t("approvals:waiting_on", { names: request.waiting_on.map(name).join(", ") })}
      </p>`}
      ${decidingAs(request) && html`<${DecisionButtons} request=${request} onDone=${done} />`}
      ${mine && request.status === "in_approval" && html`<${Withdraw} request=${request} onDone=${done} />`}
    <//>
    <${Panel} title=${t("approvals:history")}>
      <ol class="history">${request.history.map((e, k) => html`<${HistoryEntry} key=${k} e=${e} name=${name} />`)}</ol>
      <${Comment} request=${request} onDone=${done} />
    <//>
  </div>`;
}
