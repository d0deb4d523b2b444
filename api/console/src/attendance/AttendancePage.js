// 考勤: my month and my corrections (everyone); today's board and the monthly grid for
// those who direct. The view is the `view` parameter.
import { directs } from "../auth.js";
import { Tabs } from "../components/basic.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { navigate, route } from "../router.js";
import { Board } from "./Board.js";
import { Corrections } from "./Corrections.js";
import { Grid } from "./Grid.js";
import { Month } from "./Month.js";
import "./attendance.css";

const VIEWS = { board: Board, month: Month, grid: Grid, corrections: Corrections };

export function AttendancePage() {
  const lead = directs();
  const tabs = [
    ...(lead ? [{ value: "board", label: t("attendance:tab_board") }] : []),
    { value: "month", label: t("attendance:tab_month") },
    ...(lead ? [{ value: "grid", label: t("attendance:tab_grid") }] : []),
    { value: "corrections", label: t("attendance:tab_corrections") },
  ];
  const first = tabs[0].value;
  const asked = route.value.params.view ?? first;
  const view = tabs.some((x) => x.value === asked) ? asked : first;
  const View = VIEWS[view];
  return html`<div class="attendance-page" data-view=${view}>
    <${Tabs} tabs=${tabs} value=${view} onValue=${(v) => navigate("/attendance", v === first ? {} : { view: v })} />
    <${View} />
  </div>`;
}
