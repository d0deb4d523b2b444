// 审批: what waits on me (the default, made for a phone), my requests, what I decided or
// may see, delegation while away, and (administrators) the flow editor. A request opens
// by the `id` parameter; the view is the `view` parameter.
import { hasRole, me } from "../auth.js";
import { Tabs } from "../components/basic.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { navigate, route } from "../router.js";
import { waitingCount } from "./data.js";
import { Delegations } from "./Delegations.js";
import { Detail } from "./Detail.js";
import { FlowEditor } from "./FlowEditor.js";
import { RequestList } from "./Lists.js";
import { Waiting } from "./Waiting.js";
import "./approvals.css";

const VIEWS = {
  waiting: Waiting,
  mine: () => html`<${RequestList} mine />`,
  seen: () => html`<${RequestList} />`,
  delegations: Delegations,
  flows: FlowEditor,
};

export function ApprovalsPage() {
  const { view: asked = "waiting", id = "" } = route.value.params;
  const count = waitingCount.value;
  const tabs = [
    { value: "waiting", label: count ? `${t("approvals:tab_waiting")} (${count})` : t("approvals:tab_waiting") },
    { value: "mine", label: t("approvals:tab_mine") },
    { value: "seen", label: t("approvals:tab_seen") },
    { value: "delegations", label: t("approvals:tab_delegations") },
    ...(hasRole("admin") ? [{ value: "flows", label: t("approvals:tab_flows") }] : []),
  ];
  const view = tabs.some((x) => x.value === asked) ? asked : "waiting";
  const View = VIEWS[view];
  return html`<div class="approvals-page" data-view=${view} data-me=${me.value?.id}>
    <${Tabs} tabs=${tabs} value=${view} onValue=${(v) => navigate("/approvals", v === "waiting" ? {} : { view: v })} />
    ${id ? html`<${Detail} key=${id} id=${id} />` : html`<${View} />`}
  </div>`;
}
