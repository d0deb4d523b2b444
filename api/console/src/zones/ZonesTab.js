// Zones: the list (search, kind, load more) beside the map; draw a new polygon or circle,
// select a zone to edit its shape, fields, thresholds and assignments; import and export.
import { useMemo, useState } from "preact/hooks";
import { api } from "../api.js";
import { Badge, Button, ErrorBox, Input, Select, Table, Toolbar } from "../components/basic.js";
import { useLoad, usePaged } from "../components/hooks.js";
import { scopeUnits } from "../components/pickers.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { MapView } from "../map/MapView.js";
import { route, setParams } from "../router.js";
import { ImportExport } from "./ImportExport.js";
import { DrawTools, EditShapeLayer, FitZones, ZoneShapesLayer } from "./layers.js";
import { KINDS, formatArea, shapeOf } from "./shapes.js";
import { ZoneEditor } from "./ZoneEditor.js";

const PAGE = 50;

export function ZonesTab() {
  const params = route.value.params;
  const { kind = "", zone: selectedId = "" } = params;
  const [query, setQuery] = useState("");
  const [mode, setMode] = useState(null); // "Polygon" | "Circle" while drawing
  const [draft, setDraft] = useState(null); // {zoneId, shape, changed}
  const [focus, setFocus] = useState(() => (params.lat ? null : selectedId)); // a zone to show whole
  const pages = usePaged("/api/v1/zones", { kind: kind || undefined }, { limit: PAGE });
  const { data: units } = useLoad(() => scopeUnits(), []);
  const unitName = (id) => units?.find((u) => u.id === id)?.name ?? "";
  const view = useMemo(() => {
    const { lat, lon, z } = params;
    return lat && lon ? { lat: +lat, lon: +lon, zoom: +(z || 15) } : undefined;
  }, []);

  const listed = pages.items.find((f) => f.id === selectedId);
  const fetched = useLoad(
    () => (selectedId && !listed ? api(`/api/v1/zones/${selectedId}`) : null),
    [selectedId, !!listed],
  );
  const selected = listed ?? (fetched.data?.id === selectedId ? fetched.data : null);
  const editingNew = draft && !draft.zoneId;
  const stored = useMemo(() => selected && { zoneId: selected.id, shape: shapeOf(selected), changed: false }, [selected]);
  const editing = editingNew ? draft : stored;
  const current = draft && draft.zoneId === (selected?.id ?? null) ? draft : editing;

  const q = query.trim().toLowerCase();
  const shown = q
    ? pages.items.filter((f) =>
        [f.properties.name, f.properties.code ?? "", unitName(f.properties.org_unit_id)].some((s) =>
          s.toLowerCase().includes(q),
        ),
      )
    : pages.items;

  const select = (id) => {
    setDraft(null);
    setMode(null);
    setParams({ zone: id });
    setFocus(id);
  };
  const close = () => {
    setDraft(null);
    setParams({ zone: "" });
  };
  const drawn = (shape) => {
    setParams({ zone: "" });
    setDraft({ zoneId: null, shape, changed: true });
  };
  const reshaped = (shape) => setDraft({ zoneId: current.zoneId, shape, changed: true });
  const saved = (feature) => {
    setDraft(null);
    pages.reload();
    setParams({ zone: feature.id });
  };
  const deleted = () => {
    setDraft(null);
    pages.reload();
    setParams({ zone: "" });
  };

  const columns = [
    { key: "name", label: t("zones:name"), render: (f) => html`<b>${f.properties.name}</b>` },
    { key: "kind", label: t("zones:kind"), render: (f) => html`<${Badge}>${t(`zones:kind_${f.properties.kind}`)}<//>` },
    { key: "code", label: t("zones:code"), render: (f) => f.properties.code ?? "" },
    { key: "unit", label: t("org_unit"), render: (f) => unitName(f.properties.org_unit_id) },
    { key: "shape", label: t("zones:shape"), render: (f) => t(`zones:shape_${f.properties.shape}`) },
    { key: "area", label: t("zones:area"), class: "num", render: (f) => formatArea(f.properties.area_m2) },
  ];

  return html`<div class="zones-tab">
    <${Toolbar}>
      <${Input}
        type="search"
        class="input zone-search"
        aria-label=${t("zones:search")}
        placeholder=${t("zones:search")}
        value=${query}
        onValue=${setQuery}
      />
      <${Select}
        aria-label=${t("zones:kind")}
        value=${kind}
        onValue=${(v) => setParams({ kind: v })}
        placeholder=${t("zones:all_kinds")}
        options=${KINDS.map((k) => ({ value: k, label: t(`zones:kind_${k}`) }))}
      />
      <${ImportExport} kind=${kind} onImported=${() => pages.reload()} />
      <span class="toolbar-note" aria-live="polite">
        ${pages.loading ? t("loading") : t("zones:count", { count: shown.length })}
      </span>
    <//>
    <${ErrorBox} error=${pages.error} onRetry=${pages.reload} />
    <div class="zones-layout">
      <div class="zones-map">
        <${MapView} view=${view} label=${t("zones:map")} onView=${(v) => setParams({ lat: v.lat, lon: v.lon, z: v.zoom })}>
          <${ZoneShapesLayer}
            features=${pages.items}
            hide=${current?.zoneId}
            drawing=${!!mode}
            onSelect=${select}
          />
          ${!view && html`<${FitZones} features=${pages.items} />`}
          ${current &&
          html`<${EditShapeLayer}
            key=${current.zoneId ?? "new"}
            shape=${current.shape}
            kind=${selected?.properties.kind}
            fit=${!!current.zoneId && current.zoneId === focus}
            onChange=${reshaped}
          />`}
          <${DrawTools} mode=${mode} onMode=${setMode} onDrawn=${drawn} />
        <//>
      </div>
      <aside class="side-panel zones-side">
        ${current
          ? html`<${ZoneEditor}
              key=${current.zoneId ?? "new"}
              zone=${current.zoneId ? selected : null}
              shape=${current.shape}
              shapeChanged=${current.changed}
              onSaved=${saved}
              onDeleted=${deleted}
              onClose=${close}
            />`
          : html`<div class="zone-list">
              <${Table}
                rows=${shown}
                columns=${columns}
                onRow=${(f) => select(f.id)}
                empty=${pages.loading ? t("loading") : t("zones:no_zones")}
              />
              ${pages.hasMore &&
              html`<div class="zone-more">
                <${Button} busy=${pages.loading} onClick=${pages.loadMore}>${t("more")}<//>
              </div>`}
            </div>`}
      </aside>
    </div>
  </div>`;
}
