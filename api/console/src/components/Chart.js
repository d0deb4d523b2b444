// A chart drawn by ECharts on a canvas from an option the caller builds. Only the parts
// used are bundled; tooltips are drawn on the canvas (ECharts' HTML tooltip would write
// inline styles, which the console's Content-Security-Policy refuses).
import { BarChart, FunnelChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef } from "preact/hooks";
import { html } from "../html.js";
import { lang } from "../i18n.js";

echarts.use([BarChart, FunnelChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** A colour the stylesheet names (`--name`), for charts to match the rest of the page. */
export function cssColour(name, fallback = "#888") {
  return getComputedStyle(document.documentElement).getPropertyValue(`--${name}`).trim() || fallback;
}

function withDefaults(option) {
  return {
    animation: false,
    textStyle: { fontFamily: getComputedStyle(document.documentElement).fontFamily },
    ...option,
    tooltip: option.tooltip && { renderMode: "richText", ...option.tooltip },
  };
}

/**
 * `option(narrow)`: the ECharts option, built again when `deps` or the language change
 * and when the chart becomes narrower or wider than a phone's width. `label`: what the
 * chart shows, for screen readers.
 */
export function Chart({ option, deps = [], label, class: cls = "" }) {
  const element = useRef(null);
  const chart = useRef(null);
  const narrow = useRef(false);
  const draw = useRef(null);
  draw.current = () => chart.current?.setOption(withDefaults(option(narrow.current)), { notMerge: true });
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
  useEffect(() => draw.current(), [...deps, lang.value]);
  return html`<div class=${`chart ${cls}`} ref=${element} role="img" aria-label=${label}></div>`;
}
