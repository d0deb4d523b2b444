// Map layers of the itinerary: a place in focus, one trip drawn over the track, the view
// fitted to the person's zones when there is no track to fit to, and the positions the
// network gave.
import { useEffect } from "preact/hooks";
import L from "../map/leaflet.js";
import { latLng } from "../map/crs.js";
import { textContent } from "../map/layers.js";
import { useMap } from "../map/MapView.js";

/** Centres the map on `focus.lonLat` (a new object each time it is asked) and rings it. */
export function FocusLayer({ focus }) {
  const { map, crs } = useMap();
  useEffect(() => {
    if (!focus) return undefined;
    const at = latLng(focus.lonLat, crs);
    map.setView(at, Math.max(map.getZoom(), 16));
    const ring = L.circleMarker(at, { radius: 18, className: "ff-focus", interactive: false }).addTo(map);
    return () => ring.remove();
  }, [focus, crs]);
  return null;
}

/** One trip (a GeoJSON LineString feature) drawn over the track, the map fitted to it. */
export function TripLayer({ trip }) {
  const { map, crs } = useMap();
  useEffect(() => {
    if (!trip) return undefined;
    const line = L.polyline(
      trip.geometry.coordinates.map((c) => latLng(c, crs)),
      { className: "ff-trip", weight: 7, interactive: false },
    ).addTo(map);
    map.fitBounds(line.getBounds(), { padding: [40, 40], maxZoom: 16 });
    return () => line.remove();
  }, [trip, crs]);
  return null;
}

/** Fits the map to zone features (polygons, or points with properties.radius_m). */
export function FitZonesLayer({ features }) {
  const { map, crs } = useMap();
  useEffect(() => {
    const bounds = L.latLngBounds([]);
    const walk = (c) => (typeof c[0] === "number" ? bounds.extend(latLng(c, crs)) : c.forEach(walk));
    for (const f of features ?? []) {
      if (f.geometry.type === "Point") {
        bounds.extend(L.latLng(latLng(f.geometry.coordinates, crs)).toBounds(2 * (f.properties.radius_m ?? 0)));
      } else {
        walk(f.geometry.coordinates);
      }
    }
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 });
  }, [features]);
  return null;
}

/** Positions the network gave (cells, Wi-Fi, the operator's LBS): each a circle as wide as
 * its accuracy round a dot that names its source and time. */
export function NetworkFixesLayer({ fixes, label }) {
  const { map, crs } = useMap();
  useEffect(() => {
    if (!fixes?.length) return undefined;
    const group = L.layerGroup().addTo(map);
    for (const f of fixes) {
      const at = latLng([f.lon, f.lat], crs);
      if (f.accuracy_m) {
        L.circle(at, { radius: f.accuracy_m, className: `ff-network-area source-${f.source}`, interactive: false }).addTo(group);
      }
      L.circleMarker(at, { radius: 5, className: `ff-network-fix source-${f.source}` })
        .bindTooltip(() => textContent(label(f)))
        .addTo(group);
    }
    return () => group.remove();
  }, [fixes, crs]);
  return null;
}
