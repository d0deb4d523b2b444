// 客户与走访: customers on the map, and a rep's day of plan and visits. The view is the
// `view` parameter.
import { Tabs } from "../components/basic.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { navigate, route } from "../router.js";
import { Customers } from "./Customers.js";
import { Day } from "./Day.js";
import "./customers.css";

const VIEWS = { map: Customers, day: Day };

export function CustomersPage() {
  const tabs = [
    { value: "map", label: t("customers:tab_map") },
    { value: "day", label: t("customers:tab_day") },
  ];
  const asked = route.value.params.view ?? "map";
  const view = tabs.some((x) => x.value === asked) ? asked : "map";
  const View = VIEWS[view];
  return html`<div class="customers-page" data-view=${view}>
    <${Tabs} tabs=${tabs} value=${view} onValue=${(v) => navigate("/customers", v === "map" ? {} : { view: v })} />
    <${View} />
  </div>`;
}
