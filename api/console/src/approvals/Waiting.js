// 待我审批: what waits on me (or on whom I stand in for), as cards a phone can decide on:
// approve in one tap, reject or return in two.
import { me } from "../auth.js";
import { Badge, Empty, ErrorBox, Loading } from "../components/basic.js";
import { usePaged } from "../components/hooks.js";
import { html } from "../html.js";
import { formatAge, t } from "../i18n.js";
import { href } from "../router.js";
import { MoreButton } from "../components/lists.js";
import { DecisionButtons } from "./Actions.js";
import { decidingAs, useRequest } from "./data.js";
import { SubjectLine } from "./Subject.js";

function WaitingCard({ item, onDecided }) {
  const { data, error, loading } = useRequest(item.id);
  const request = data?.request;
  const name = (id) => request?.names?.[id] ?? "…";
  const as = decidingAs(request ?? item);
  const onBehalf = as && as !== me.value?.id;
  return html`<article class="approval-card" data-approval=${item.id} data-kind=${item.kind}>
    <header>
      <${Badge}>${t(`approvals:kind_${item.kind}`)}<//>
      <a class="requester" href=${href("/approvals", { id: item.id })}>${request ? name(item.requester_id) : "…"}</a>
      <span class="muted">${t("approvals:step_of", { step: item.step, steps: item.steps })}</span>
      ${item.waiting_since && html`<span class="muted" title=${item.waiting_since}>${t("approvals:waiting_for", { age: formatAge(item.waiting_since) })}</span>`}
    </header>
    ${loading && !data && html`<${Loading} />`}
    <${ErrorBox} error=${error} />
    ${data && html`<p><${SubjectLine} kind=${item.kind} subject=${data.subject} /></p>`}
    ${onBehalf && html`<p class="on-behalf">${t("approvals:on_behalf", { name: name(as) })}</p>`}
    <${DecisionButtons} request=${request ?? item} onDone=${onDecided} compact />
  </article>`;
}

/** What waits on me, of one `kind` of request when given. */
export function Waiting({ kind } = {}) {
  const list = usePaged("/api/v1/approvals", { waiting_on: "me", status: "in_approval", kind }, { limit: 20 });
  return html`<section class="waiting" aria-busy=${list.loading ? "true" : "false"}>
    <${ErrorBox} error=${list.error} onRetry=${list.reload} />
    ${list.loading && !list.items.length && html`<${Loading} />`}
    ${!list.loading && !list.items.length && !list.error && html`<${Empty}>${t("approvals:nothing_waiting")}<//>`}
    <div class="approval-cards">
      ${list.items.map((item) => html`<${WaitingCard} key=${item.id} item=${item} onDecided=${list.reload} />`)}
    </div>
    <${MoreButton} list=${list} />
  </section>`;
}
