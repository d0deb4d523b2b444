// 分布查询: everyone in scope on the map, coloured by status, refreshing by itself.
import { useMemo } from "preact/hooks";
import { api } from "../api.js";
import { Chips, ErrorBox, STATUSES, Toolbar } from "../components/basic.js";
import { useInterval, useLoad } from "../components/hooks.js";
import { UnitPicker } from "../components/pickers.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { AccuracyLayer, PositionsLayer } from "../map/layers.js";
import { MapView } from "../map/MapView.js";
import { route, setParams } from "../router.js";
import { LbsUsage } from "./LbsUsage.js";
import { PersonPanel } from "./PersonPanel.js";

export const REFRESH_MS = 30_000;

export function LivePage() {
  const { unit = "", status = "", person = "" } = route.value.params;
  const positions = useLoad(
    (signal) => api("/api/v1/positions", { query: { org_unit: unit }, signal }),
    [unit],
  );
  useInterval(positions.reload, REFRESH_MS);
  const all = positions.data?.features ?? [];
  const counts = useMemo(() => {
    const c = Object.fromEntries(STATUSES.map((s) => [s, 0]));
    for (const f of all) c[f.properties.status] += 1;
    return c;
  }, [all]);
  const shown = useMemo(
    () => (status ? all.filter((f) => f.properties.status === status) : all),
    [all, status],
  );
  const selected = all.find((f) => f.properties.staff_id === person);
  const view = useMemo(() => {
    const { lat, lon, z } = route.value.params;
    return lat && lon ? { lat: +lat, lon: +lon, zoom: +(z || 13) } : undefined;
  }, []);
  return html`<div class="live">
    <${Toolbar}>
      <${UnitPicker} value=${unit} onValue=${(v) => setParams({ unit: v })} />
      <${Chips}
        value=${status}
        onValue=${(v) => setParams({ status: v })}
        items=${[
          { value: "", label: t("all"), count: all.length, class: "status-all" },
          ...STATUSES.map((s) => ({ value: s, label: t(`status_${s}`), count: counts[s], class: `status-${s}` })),
        ]}
      />
      <span class="toolbar-note" aria-live="polite">
        ${positions.loading ? t("loading") : t("live:shown", { count: shown.length })}
      </span>
      <${LbsUsage} />
    <//>
    <${ErrorBox} error=${positions.error} onRetry=${positions.reload} />
    <div class="map-and-panel">
      <${MapView}
        view=${view}
        label=${t("nav_live")}
        onView=${(v) => setParams({ lat: v.lat, lon: v.lon, z: v.zoom })}
      >
        <${PositionsLayer}
          features=${shown}
          selected=${person}
          fit=${!view}
          onSelect=${(id) => setParams({ person: id })}
        />
        ${selected &&
        html`<${AccuracyLayer}
          lonLat=${selected.geometry.coordinates}
          radius=${selected.properties.accuracy_m}
        />`}
      <//>
      ${person &&
      html`<${PersonPanel}
        staffId=${person}
        position=${selected}
        onClose=${() => setParams({ person: "" })}
      />`}
    </div>
  </div>`;
}
