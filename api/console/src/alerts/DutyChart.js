// A stacked bar per day of a person's duty summary, drawn by ECharts on a canvas. Only the
// parts used are bundled; the tooltip is drawn on the canvas too (its HTML tooltip would
// write inline styles, which the console's Content-Security-Policy refuses).
import { BarChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef } from "preact/hooks";
import { html } from "../html.js";
import { formatNumber, lang, t } from "../i18n.js";

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** The parts of a day the chart stacks, with the status colour each is drawn in. */
export const PARTS = [
  { key: "in_zone_min", status: "in_zone" },
  { key: "off_zone_min", status: "off_zone" },
  { key: "no_signal_min", status: "no_signal" },
  { key: "unknown_min", status: "unknown" },
];

function colour(status) {
  return getComputedStyle(document.documentElement).getPropertyValue(`--${status}`).trim() || "#888";
}

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
      itemStyle: { color: colour(p.status) },
      data: days.map((d) => Math.round(d[p.key] * 10) / 10),
    })),
  };
}

export function DutyChart({ days, label }) {
  const element = useRef(null);
  const chart = useRef(null);
  const narrow = useRef(false);
  const draw = useRef(null);
  draw.current = () => chart.current?.setOption(option(days, narrow.current), { notMerge: true });
  useEffect(() => {
    chart.current = echarts.init(element.current, null, { renderer: "canvas" });
    const resize = new ResizeObserver(() => {
      const now = element.current.clientWidth < 480;
      if (now !== narrow.current) {
        narrow.current = now;
        draw.current();
      }
      chart.current?.resize();
    });
    resize.observe(element.current);
    return () => {
      resize.disconnect();
      chart.current.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => draw.current(), [days, lang.value]);
  return html`<div class="duty-chart" ref=${element} role="img" aria-label=${label}></div>`;
}
