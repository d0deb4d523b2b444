// A stacked bar per day of a person's duty summary, drawn by ECharts on a canvas. Only the
// parts used are bundled; the tooltip is drawn on the canvas too (its HTML tooltip would
// write inline styles, which the console's Content-Security-Policy refuses).
import { Chart, cssColour } from "../components/Chart.js";
import { html } from "../html.js";
import { formatNumber, t } from "../i18n.js";

/** The parts of a day the chart stacks, with the status colour each is drawn in. */
export const PARTS = [
  { key: "in_zone_min", status: "in_zone" },
  { key: "off_zone_min", status: "off_zone" },
  { key: "no_signal_min", status: "no_signal" },
  { key: "unknown_min", status: "unknown" },
];

/** `narrow`: a phone's width, where the legend takes two lines. */
function option(days, narrow) {
  const shown = PARTS.filter((p) => p.key !== "unknown_min" || days.some((d) => d[p.key] > 0));
  return {
    animation: false,
    textStyle: { fontFamily: getComputedStyle(document.documentElement).fontFamily },
    grid: { left: 8, right: 8, top: narrow ? 60 : 36, bottom: 8, containLabel: true },
    legend: { top: 0, itemWidth: 16, itemGap: 8, data: shown.map((p) => t(`status_${p.status}`)) },
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      renderMode: "richText",
      valueFormatter: (v) => t("alerts:minutes", { n: formatNumber(v, 1) }),
    },
    xAxis: { type: "category", data: days.map((d) => d.date.slice(5)) },
    yAxis: { type: "value" }, // the panel's title says they are minutes
    series: shown.map((p) => ({
      name: t(`status_${p.status}`),
      type: "bar",
      stack: "day",
      barMaxWidth: 48,
      itemStyle: { color: cssColour(p.status) },
      data: days.map((d) => Math.round(d[p.key] * 10) / 10),
    })),
  };
}

export function DutyChart({ days, label }) {
  return html`<${Chart} class="duty-chart" label=${label} deps=${[days]} option=${(narrow) => option(days, narrow)} />`;
}
