// Org & staff (组织与人员): the org tree, staff lists and devices of the caller's scope,
// as tabs of one page (#/org?tab=tree|staff|devices).
import { Tabs } from "../components/basic.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { navigate, route } from "../router.js";
import { DevicesTab } from "./DevicesTab.js";
import { StaffTab } from "./StaffTab.js";
import { UnitTree } from "./UnitTree.js";
import "./org.css";

const TABS = { tree: UnitTree, staff: StaffTab, devices: DevicesTab };

export function OrgPage() {
  const tab = TABS[route.value.params.tab] ? route.value.params.tab : "tree";
  const Tab = TABS[tab];
  return html`<div class="org-page">
    <h1 class="org-title">${t("org:title")}</h1>
    <${Tabs}
      value=${tab}
      onValue=${(v) => navigate("/org", { tab: v })}
      tabs=${Object.keys(TABS).map((key) => ({ value: key, label: t(`org:tab_${key}`) }))}
    />
    <${Tab} key=${tab} />
  </div>`;
}
