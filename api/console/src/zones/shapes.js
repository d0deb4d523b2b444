// Zone shapes between the API (WGS-84 GeoJSON; a circle is its centre Point with radius_m)
// and the map (Leaflet layers in the tiles' coordinate system).
import L from "../map/leaflet.js";
import { fromDisplay, latLng, mapGeometry, toDisplay } from "../map/crs.js";
import { api } from "../api.js";
import { formatNumber, t } from "../i18n.js";

export const KINDS = ["work_area", "office", "customer_site", "restricted"];

/** The zone thresholds a zone may override (the tenant's values apply otherwise). */
export const THRESHOLDS = [
  { key: "offzone_margin_m", unit: "m", min: 0, max: 5000, step: "any" },
  { key: "offzone_dwell_s", unit: "s", min: 0, max: 86400, step: 1 },
  { key: "offzone_min_fixes", unit: "", min: 1, max: 100, step: 1 },
  { key: "no_signal_after_s", unit: "s", min: 60, max: 86400, step: 1 },
  { key: "late_arrival_grace_s", unit: "s", min: 0, max: 86400, step: 1 },
];

/** A zone's shape as the API takes it: {geometry, radius_m} (radius for circles only). */
export function shapeOf(feature) {
  return { geometry: feature.geometry, radius_m: feature.properties?.radius_m ?? null };
}

/** A Leaflet layer drawing a WGS-84 shape on tiles of `crs`. */
export function layerFor(shape, crs, options = {}) {
  if (shape.geometry.type === "Point") {
    return L.circle(latLng(shape.geometry.coordinates, crs), { ...options, radius: shape.radius_m });
  }
  const shown = mapGeometry(shape.geometry, (c) => toDisplay(c, crs));
  const rings = (polygon) => polygon.map((ring) => ring.slice(0, -1).map(([lon, lat]) => [lat, lon]));
  const latlngs = shown.type === "Polygon" ? rings(shown.coordinates) : shown.coordinates.map(rings);
  return L.polygon(latlngs, options);
}

/** The bounds of a shape on tiles of `crs` (a circle's without a map to measure on). */
export function boundsOf(shape, crs) {
  if (shape.geometry.type === "Point") {
    return L.latLng(latLng(shape.geometry.coordinates, crs)).toBounds(2 * shape.radius_m);
  }
  return layerFor(shape, crs).getBounds();
}

/** What a drawn or edited layer (in the tiles' system) is, in WGS-84. */
export function shapeFromLayer(layer, crs) {
  const back = (c) => fromDisplay(c, crs);
  if (layer instanceof L.Circle) {
    const c = layer.getLatLng();
    return { geometry: { type: "Point", coordinates: back([c.lng, c.lat]) }, radius_m: layer.getRadius() };
  }
  const drawn = layer.toGeoJSON(false).geometry; // false: no rounding to 6 decimals
  return { geometry: mapGeometry(drawn, back), radius_m: null };
}

export function formatArea(m2) {
  if (m2 === null || m2 === undefined) return "";
  return m2 >= 100_000
    ? t("zones:area_km2", { n: formatNumber(m2 / 1e6, 2) })
    : t("zones:area_m2", { n: formatNumber(m2) });
}

let tenantOnce = null;
/** The tenant's time zone and effective thresholds (the defaults a zone overrides). */
export function tenantSettings() {
  tenantOnce ??= api("/api/v1/tenant").catch((e) => {
    tenantOnce = null;
    throw e;
  });
  return tenantOnce;
}

/**
 * The API's validation details as {path: message}: "name", "weekly.0.start". Errors from a
 * service name their field without the body's key: `prefix` ({code: key}) adds it.
 */
export function fieldErrors(error, prefix = {}) {
  const out = {};
  const details = Array.isArray(error?.details) ? error.details : [];
  for (const d of details) {
    if (!Array.isArray(d?.loc) || !d.msg) continue;
    const loc = d.loc[0] === "body" ? d.loc.slice(1) : d.loc;
    const path = [...(prefix[error.code] ? [prefix[error.code]] : []), ...loc].join(".");
    if (path && !(path in out)) out[path] = d.msg;
  }
  return out;
}
