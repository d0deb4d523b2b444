// The zones page's map layers: the zones in the list, the one being edited (its vertices,
// centre and radius draggable), and drawing a new polygon or circle with Geoman.
import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { textContent } from "../map/layers.js";
import { useMap } from "../map/MapView.js";
import L from "../map/leaflet.js";
import { boundsOf, layerFor, shapeFromLayer, shapeOf } from "./shapes.js";

const EDIT_OPTIONS = { allowSelfIntersection: false, snappable: false };

const zoneClass = (kind, extra = "") => `ff-zone zone-${kind ?? "work_area"}${extra}`;

/**
 * The zones, each clickable (not while drawing, when a click places a vertex); `hide` is
 * the one drawn by the edit layer instead.
 */
export function ZoneShapesLayer({ features, hide, drawing, onSelect }) {
  const { map, crs } = useMap();
  const group = useRef(null);
  const chosen = useRef(onSelect);
  chosen.current = onSelect;
  const drawingNow = useRef(drawing); // set as it renders: a click between then and the
  drawingNow.current = drawing; //       layers being made again must not select a zone
  useEffect(() => {
    group.current = L.layerGroup().addTo(map);
    return () => group.current.remove();
  }, [map]);
  useEffect(() => {
    group.current.clearLayers();
    for (const f of features ?? []) {
      if (f.id === hide) continue;
      const layer = layerFor(shapeOf(f), crs, {
        className: zoneClass(f.properties.kind),
        interactive: !drawing,
        pmIgnore: true,
      });
      layer.bindTooltip(textContent(f.properties.name), { sticky: true });
      layer.on("click", () => drawingNow.current || chosen.current?.(f.id));
      layer.addTo(group.current);
    }
  }, [features, hide, drawing, crs]);
  return null;
}

/** Fits the map to all zones once, when the page was opened without a view of its own. */
export function FitZones({ features }) {
  const { map, crs } = useMap();
  const done = useRef(false);
  useEffect(() => {
    if (done.current || !features?.length) return;
    done.current = true;
    const bounds = L.latLngBounds([]);
    for (const f of features) bounds.extend(boundsOf(shapeOf(f), crs));
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15, animate: false });
  }, [features]);
  return null;
}

/**
 * The shape being edited (WGS-84 `shape`), with Geoman's handles: every change is handed
 * back to `onChange` converted to WGS-84. A change that came from here is not redrawn.
 * With `fit`, the map first shows the whole shape.
 */
export function EditShapeLayer({ shape, kind, onChange, fit }) {
  const { map, crs } = useMap();
  const emitted = useRef(null);
  const layer = useRef(null);
  const heard = useRef(onChange);
  heard.current = onChange;
  const fitted = useRef(false);
  useEffect(() => {
    if (!shape) return undefined;
    if (layer.current && emitted.current === shape) return undefined;
    layer.current?.remove();
    const drawn = layerFor(shape, crs, { className: zoneClass(kind, " ff-zone-selected ff-zone-editing") });
    drawn.addTo(map);
    drawn.pm.enable(EDIT_OPTIONS);
    drawn.on("pm:edit", () => {
      emitted.current = shapeFromLayer(drawn, crs);
      heard.current(emitted.current);
    });
    layer.current = drawn;
    if (fit && !fitted.current) map.fitBounds(drawn.getBounds(), { padding: [30, 30], maxZoom: 17, animate: false });
    fitted.current = true;
    return undefined;
  }, [shape, crs, kind]);
  useEffect(
    () => () => {
      layer.current?.remove();
      layer.current = null;
    },
    [],
  );
  return null;
}

/**
 * Buttons over the map to draw a new polygon (click each corner, then the first one or
 * "Finish") or circle (click the centre, then a point on the edge). The drawn shape goes
 * to `onDrawn` in WGS-84; the sketch itself is taken off the map.
 */
export function DrawTools({ mode, onMode, onDrawn }) {
  const { map, crs } = useMap();
  const heard = useRef({ onDrawn, onMode });
  heard.current = { onDrawn, onMode };
  useEffect(() => {
    const created = (e) => {
      const shape = shapeFromLayer(e.layer, crs);
      e.layer.remove();
      heard.current.onMode(null);
      heard.current.onDrawn(shape);
    };
    map.on("pm:create", created);
    return () => map.off("pm:create", created);
  }, [map, crs]);
  const [drawing, setDrawing] = useState(null); // the shape the map now draws
  useEffect(() => {
    if (!mode) return undefined;
    map.pm.enableDraw(mode, { ...EDIT_OPTIONS, tooltips: false, continueDrawing: false });
    setDrawing(mode);
    return () => {
      map.pm.disableDraw();
      setDrawing(null);
    };
  }, [mode, map]);
  const finish = () => map.pm.Draw.Polygon._finishShape();
  return html`<div class="zone-draw-tools" role="toolbar" aria-label=${t("zones:draw")} data-drawing=${drawing ?? undefined}>
    ${mode
      ? html`<span class="zone-draw-hint">${t(mode === "Polygon" ? "zones:hint_polygon" : "zones:hint_circle")}</span>
          ${mode === "Polygon" &&
          html`<button type="button" class="btn btn-primary" onClick=${finish}>${t("zones:finish")}</button>`}
          <button type="button" class="btn" onClick=${() => onMode(null)}>${t("cancel")}</button>`
      : html`<button type="button" class="btn" data-draw="polygon" onClick=${() => onMode("Polygon")}>
            ${t("zones:draw_polygon")}
          </button>
          <button type="button" class="btn" data-draw="circle" onClick=${() => onMode("Circle")}>
            ${t("zones:draw_circle")}
          </button>`}
  </div>`;
}
