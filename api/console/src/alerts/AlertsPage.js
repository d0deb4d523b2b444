// Alerts: the events of the people in scope (list, filters in the URL) and a person's
// daily duty summary (chart and table), as two tabs of one page.
import { Tabs } from "../components/basic.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { route, setParams } from "../router.js";
import "./alerts.css";
import { DutySummary } from "./DutySummary.js";
import { EventList } from "./EventList.js";

export function AlertsPage() {
  const params = route.value.params;
  const tab = params.tab === "summary" ? "summary" : "events";
  return html`<div class="alerts">
    <div class="alerts-head">
      <h1>${t("nav_alerts")}</h1>
      <${Tabs}
        value=${tab}
        onValue=${(v) => setParams({ tab: v === "events" ? "" : v })}
        tabs=${[
          { value: "events", label: t("alerts:tab_events") },
          { value: "summary", label: t("alerts:tab_summary") },
        ]}
      />
    </div>
    ${tab === "summary" ? html`<${DutySummary} params=${params} />` : html`<${EventList} params=${params} />`}
  </div>`;
}
