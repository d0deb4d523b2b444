// 请假: my balances and requests (everyone); the team's calendar and balances for those who
// direct. The view is the `view` parameter.
import { directs } from "../auth.js";
import { Tabs } from "../components/basic.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { navigate, route } from "../router.js";
import { Calendar } from "./Calendar.js";
import { Mine } from "./Mine.js";
import { Team } from "./Team.js";
import "./leave.css";

const VIEWS = { mine: Mine, calendar: Calendar, team: Team };

export function LeavePage() {
  const tabs = [
    { value: "mine", label: t("leave:tab_mine") },
    ...(directs()
      ? [
          { value: "calendar", label: t("leave:tab_calendar") },
          { value: "team", label: t("leave:tab_team") },
        ]
      : []),
  ];
  const asked = route.value.params.view ?? "mine";
  const view = tabs.some((x) => x.value === asked) ? asked : "mine";
  const View = VIEWS[view];
  return html`<div class="leave-page" data-view=${view}>
    <${Tabs} tabs=${tabs} value=${view} onValue=${(v) => navigate("/leave", v === "mine" ? {} : { view: v })} />
    <${View} />
  </div>`;
}
