// 通知与任务: the signed-in person's inbox (everyone), the notices they sent with read
// receipts (those who direct others), and tasks. The view is the `tab` parameter.
import { directs } from "../auth.js";
import { Tabs } from "../components/basic.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { navigate, route } from "../router.js";
import { Inbox } from "./Inbox.js";
import { Notices } from "./Notices.js";
import { Tasks } from "./Tasks.js";
import "./notices.css";

const VIEWS = { inbox: Inbox, notices: Notices, tasks: Tasks };

export function NoticesPage() {
  const tabs = [
    { value: "inbox", label: t("notices:tab_inbox") },
    ...(directs() ? [{ value: "notices", label: t("notices:tab_notices") }] : []),
    { value: "tasks", label: directs() ? t("notices:tab_tasks") : t("notices:tab_my_tasks") },
  ];
  const asked = route.value.params.tab ?? "inbox";
  const tab = tabs.some((x) => x.value === asked) ? asked : "inbox";
  const View = VIEWS[tab];
  return html`<div class="notices-page" data-tab=${tab}>
    <${Tabs} tabs=${tabs} value=${tab} onValue=${(v) => navigate("/notices", v === "inbox" ? {} : { tab: v })} />
    <${View} />
  </div>`;
}
