// Map layers of a claim's GPS verification: the claimed legs as a dashed line between the
// places, each destination marked reached (with when) or not, with the radius the check
// looks within.
import { useEffect } from "preact/hooks";
import L from "../map/leaflet.js";
import { latLng } from "../map/crs.js";
import { textContent } from "../map/layers.js";
import { useMap } from "../map/MapView.js";

/** `legs`: [{lon, lat, place, reached, label}]; `radius` in metres. */
export function ClaimedLegsLayer({ legs, radius, fit }) {
  const { map, crs } = useMap();
  useEffect(() => {
    if (!legs?.length) return undefined;
    const group = L.featureGroup().addTo(map);
    const points = legs.map((leg) => latLng([leg.lon, leg.lat], crs));
    if (points.length > 1) L.polyline(points, { className: "ff-claimed", weight: 3, dashArray: "8 6", interactive: false }).addTo(group);
    legs.forEach((leg, i) => {
      const state = leg.reached ? "reached" : "unreached";
      L.circle(points[i], { radius, className: `ff-destination-radius ${state}`, interactive: false }).addTo(group);
      L.marker(points[i], {
        icon: L.divIcon({ className: `ff-destination ${state}`, html: `<span>${i + 1}</span>`, iconSize: [26, 26] }),
        title: leg.place,
      })
        .bindPopup(() => textContent(leg.label))
        .addTo(group);
    });
    if (fit) map.fitBounds(group.getBounds(), { padding: [40, 40], maxZoom: 14, animate: false });
    return () => group.remove();
  }, [legs, radius, fit, crs]);
  return null;
}
