// Fixes and zones are WGS-84; AMap/Gaode and Tencent tiles are drawn in GCJ-02 and Baidu's
// in BD-09. Everything drawn on such tiles is converted on the way in, and what is drawn
// there is converted back to WGS-84 before it is saved (gcoord's inverse is iterative, to
// about a decimetre).
import gcoord from "gcoord";

const SYSTEMS = { wgs84: gcoord.WGS84, gcj02: gcoord.GCJ02, bd09: gcoord.BD09 };

export function isKnownCrs(crs) {
  return crs in SYSTEMS;
}

/** [lon, lat] in WGS-84 → where it is drawn on tiles of `crs`. */
export function toDisplay(lonLat, crs = "wgs84") {
  if (!crs || crs === "wgs84") return lonLat;
  return gcoord.transform(lonLat, gcoord.WGS84, SYSTEMS[crs]);
}

/** [lon, lat] as drawn on tiles of `crs` → WGS-84. */
export function fromDisplay(lonLat, crs = "wgs84") {
  if (!crs || crs === "wgs84") return lonLat;
  return gcoord.transform(lonLat, SYSTEMS[crs], gcoord.WGS84);
}

/** A Leaflet LatLng for a WGS-84 [lon, lat]. */
export function latLng(lonLat, crs) {
  const [lon, lat] = toDisplay(lonLat, crs);
  return [lat, lon];
}

/** A GeoJSON geometry's coordinates converted with `convert` ([lon, lat] → [lon, lat]). */
export function mapGeometry(geometry, convert) {
  const walk = (c) => (typeof c[0] === "number" ? convert(c) : c.map(walk));
  return { ...geometry, coordinates: walk(geometry.coordinates) };
}
