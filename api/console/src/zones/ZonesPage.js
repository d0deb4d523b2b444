// Zones & duty: the zones on the map with their assignments, and the duty schedules and
// exceptions of units and people. The tab is in the address (#/zones?tab=duty).
import { Tabs } from "../components/basic.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { navigate, route, setParams } from "../router.js";
import { DutyTab } from "./DutyTab.js";
import { ZonesTab } from "./ZonesTab.js";
import "./zones.css";

export function ZonesPage() {
  const tab = route.value.params.tab === "duty" ? "duty" : "zones";
  return html`<div class="zones-page">
    <${Tabs}
      value=${tab}
      onValue=${(v) => (v === tab ? setParams({}) : navigate("/zones", { tab: v === "duty" ? "duty" : "" }))}
      tabs=${[
        { value: "zones", label: t("zones:tab_zones") },
        { value: "duty", label: t("zones:tab_duty") },
      ]}
    />
    ${tab === "duty" ? html`<${DutyTab} />` : html`<${ZonesTab} />`}
  </div>`;
}
