// Map layers of the field-sales pages: customers as dots coloured by stage, and a day's
// planned stops numbered and coloured by what became of them.
import { useEffect } from "preact/hooks";
import L from "../map/leaflet.js";
import { latLng } from "../map/crs.js";
import { textContent } from "../map/layers.js";
import { useMap } from "../map/MapView.js";

/** `customers`: [{id, name, stage, lon, lat}]; `onSelect(customer)`. */
export function CustomersLayer({ customers, onSelect, fit }) {
  const { map, crs } = useMap();
  useEffect(() => {
    if (!customers?.length) return undefined;
    const group = L.featureGroup().addTo(map);
    for (const c of customers) {
      L.circleMarker(latLng([c.lon, c.lat], crs), { radius: 7, className: `ff-customer stage-${c.stage}`, weight: 2 })
        .bindTooltip(() => textContent(c.name))
        .on("click", () => onSelect?.(c))
        .addTo(group);
    }
    if (fit) map.fitBounds(group.getBounds(), { padding: [30, 30], maxZoom: 15, animate: false });
    return () => group.remove();
  }, [customers, crs]);
  return null;
}

/** `stops`: [{position, customer_name, lon, lat, status}], in order, with the way between. */
export function PlanLayer({ stops, fit }) {
  const { map, crs } = useMap();
  useEffect(() => {
    if (!stops?.length) return undefined;
    const group = L.featureGroup().addTo(map);
    const points = stops.map((s) => latLng([s.lon, s.lat], crs));
    if (points.length > 1) L.polyline(points, { className: "ff-plan-way", weight: 2, dashArray: "6 6", interactive: false }).addTo(group);
    stops.forEach((s, i) => {
      L.marker(points[i], {
        icon: L.divIcon({ className: `ff-plan-stop ${s.status}`, html: `<span>${s.position}</span>`, iconSize: [24, 24] }),
        title: s.customer_name,
      })
        .bindPopup(() => textContent(`${s.position}. ${s.customer_name}`))
        .addTo(group);
    });
    if (fit) map.fitBounds(group.getBounds(), { padding: [40, 40], maxZoom: 15, animate: false });
    return () => group.remove();
  }, [stops, crs]);
  return null;
}
