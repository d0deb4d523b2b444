// 客户与走访: customers on the map, a rep's day of plan and visits, the visits and the
// inspections with their details, recurring plans, the reports and the inspection
// checklists. The view is the `view` parameter.
import { hasRole } from "../auth.js";
import { Tabs } from "../components/basic.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { navigate, route } from "../router.js";
import { Customers } from "./Customers.js";
import { Day } from "./Day.js";
import { Inspections } from "./Inspections.js";
import { Reports } from "./Reports.js";
import { Rules } from "./Rules.js";
import { Templates } from "./Templates.js";
import { Visits } from "./Visits.js";
import "./customers.css";

const VIEWS = { map: Customers, day: Day, visits: Visits, inspections: Inspections, rules: Rules, reports: Reports, templates: Templates };
const REPORTERS = ["admin", "manager", "supervisor", "finance"];

export function CustomersPage() {
  const tabs = [
    { value: "map", label: t("customers:tab_map") },
    { value: "day", label: t("customers:tab_day") },
    { value: "visits", label: t("customers:tab_visits") },
    { value: "inspections", label: t("customers:tab_inspections") },
    { value: "rules", label: t("customers:tab_rules") },
    ...(hasRole(...REPORTERS) ? [{ value: "reports", label: t("customers:tab_reports") }] : []),
    { value: "templates", label: t("customers:tab_templates") },
  ];
  const asked = route.value.params.view ?? "map";
  const view = tabs.some((x) => x.value === asked) ? asked : "map";
  const View = VIEWS[view];
  return html`<div class="customers-page" data-view=${view}>
    <${Tabs} tabs=${tabs} value=${view} onValue=${(v) => navigate("/customers", v === "map" ? {} : { view: v })} />
    <${View} />
  </div>`;
}
