// A rep's day: the plan against what was done, on the map and as lists (each stop done,
// missed or to come; visits made without a plan).
import { api } from "../api.js";
import { directs, me } from "../auth.js";
import { Badge, ErrorBox, Input, Loading, Panel, Table, Toolbar } from "../components/basic.js";
import { useLoad } from "../components/hooks.js";
import { StaffPicker } from "../components/pickers.js";
import { dayStart, isoLocal, localDate } from "../dates.js";
import { html } from "../html.js";
import { formatDistance, formatTime, t } from "../i18n.js";
import { MapView } from "../map/MapView.js";
import { route, setParams } from "../router.js";
import { PlanLayer } from "./layers.js";

const TONES = { done: "ok", missed: "danger", to_come: "neutral" };

async function load(staff, day) {
  const [plan, visits] = await Promise.all([
    api(`/api/v1/work-plans/${staff}/${day}`),
    api("/api/v1/visits", { query: { staff_id: staff, from: isoLocal(dayStart(day)), to: isoLocal(dayStart(day, 1)), limit: 100 } }),
  ]);
  return { plan, visits: visits.items };
}

export function Day() {
  const { staff = me.value?.id, day = localDate() } = route.value.params;
  const { data, error, loading } = useLoad(() => load(staff, day), [staff, day]);
  return html`<div class="rep-day" data-day=${day}>
    <${Toolbar}>
      ${directs() && html`<${StaffPicker} value=${staff} label=${t("customers:rep")} onValue=${(v) => setParams({ staff: v })} />`}
      <${Input} type="date" value=${day} aria-label=${t("customers:day")} onValue=${(v) => setParams({ day: v })} />
      ${data && html`<span class="muted">${t("customers:counts", data.plan.counts)}</span>`}
    <//>
    <${ErrorBox} error=${error} />
    ${loading && !data && html`<${Loading} />`}
    ${data &&
    html`<div class="customers-layout">
      <div class="customers-map">
        <${MapView} label=${t("customers:map")}>
          <${PlanLayer} stops=${data.plan.stops} fit />
        <//>
      </div>
      <div class="day-lists">
        <${Panel} title=${t("customers:plan")}>
          <${Table}
            rows=${data.plan.stops}
            rowKey=${(s) => s.position}
            empty=${t("customers:no_plan")}
            columns=${[
              { key: "position", label: "#", render: (s) => s.position },
              { key: "customer", label: t("customers:customer"), render: (s) => s.customer_name },
              { key: "status", label: t("customers:status"), render: (s) => html`<${Badge} tone=${TONES[s.status]}>${t(`customers:stop_${s.status}`)}<//>` },
              { key: "at", label: t("customers:when"), render: (s) => formatTime(s.done_at, { date: false }) },
            ]}
          />
        <//>
        <${Panel} title=${t("customers:visits")} class="day-visits">
          <${Table}
            rows=${data.visits}
            empty=${t("customers:no_visits")}
            columns=${[
              { key: "at", label: t("customers:when"), render: (v) => formatTime(v.check_in_at, { date: false }) },
              { key: "customer", label: t("customers:customer"), render: (v) => v.customer_name },
              { key: "type", label: t("customers:visit_type"), render: (v) => t(`customers:type_${v.type}`) },
              { key: "verification", label: t("customers:verification"), render: (v) => html`<${Badge} tone=${v.verification === "verified" ? "ok" : "warn"}>${t(`customers:${v.verification}`)}<//> ${formatDistance(v.distance_m)}` },
              { key: "planned", label: t("customers:planned"), render: (v) => (data.plan.unplanned.some((u) => u.id === v.id) ? t("customers:unplanned") : "") },
            ]}
          />
        <//>
      </div>
    </div>`}
  </div>`;
}
