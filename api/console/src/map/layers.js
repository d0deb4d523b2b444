// Map layers: each draws one kind of thing over the MapView it sits in, converting from
// WGS-84 to the tiles' coordinate system, and takes itself away when it unmounts.
import { useEffect, useRef } from "preact/hooks";
import L from "./leaflet.js";
import { latLng, mapGeometry, toDisplay } from "./crs.js";
import { useMap } from "./MapView.js";

/**
 * Text for a popup or tooltip as a DOM node: Leaflet writes strings as HTML, and names come
 * from what people typed (a zone called "<img …>" must read as just that).
 */
export function textContent(text) {
  const span = document.createElement("span");
  span.textContent = text ?? "";
  return span;
}

/** Adds a layer group for as long as the component lives; `draw(group)` fills it. */
function useGroup(draw, deps, make = () => L.layerGroup()) {
  const ctx = useMap();
  const group = useRef(null);
  useEffect(() => {
    group.current = make().addTo(ctx.map);
    return () => group.current.remove();
  }, [ctx.map]);
  useEffect(() => {
    group.current.clearLayers();
    draw(group.current, ctx);
  }, [...deps, ctx.crs]);
  return ctx;
}

// a cluster shows the most pressing status among its people
const SEVERITY = ["off_zone", "no_signal", "unknown", "in_zone", "off_duty"];

function markerIcon(status, selected) {
  return L.divIcon({
    className: `ff-marker status-${status}${selected ? " ff-marker-selected" : ""}`,
    html: "<span></span>",
    iconSize: [18, 18],
    iconAnchor: [9, 9],
  });
}

function clusterIcon(cluster) {
  const statuses = cluster.getAllChildMarkers().map((m) => m.options.status);
  const worst = SEVERITY.find((s) => statuses.includes(s)) ?? "unknown";
  const count = cluster.getChildCount();
  return L.divIcon({
    className: `ff-cluster status-${worst}`,
    html: `<span>${count}</span>`,
    iconSize: [36, 36],
  });
}

/**
 * Everyone's latest position as markers coloured by status, clustered (a cluster takes the
 * colour of its most pressing status). Markers are updated in place when the data
 * refreshes, so the reader's view and open clusters stay as they were.
 */
export function PositionsLayer({ features, selected, onSelect, fit }) {
  const ctx = useMap();
  const cluster = useRef(null);
  const markers = useRef(new Map());
  const fitted = useRef(false);
  const chosen = useRef(onSelect);
  chosen.current = onSelect;
  useEffect(() => {
    cluster.current = L.markerClusterGroup({
      iconCreateFunction: clusterIcon,
      showCoverageOnHover: false,
      maxClusterRadius: 50,
    }).addTo(ctx.map);
    markers.current = new Map();
    return () => cluster.current.remove();
  }, [ctx.map, ctx.crs]);
  useEffect(() => {
    const seen = new Set();
    const added = [];
    for (const f of features ?? []) {
      const p = f.properties;
      seen.add(p.staff_id);
      const at = latLng(f.geometry.coordinates, ctx.crs);
      const existing = markers.current.get(p.staff_id);
      if (existing) {
        existing.setLatLng(at);
        if (existing.options.status !== p.status || existing.options.selected !== (p.staff_id === selected)) {
          existing.options.status = p.status;
          existing.options.selected = p.staff_id === selected;
          existing.setIcon(markerIcon(p.status, p.staff_id === selected));
        }
        continue;
      }
      const marker = L.marker(at, {
        icon: markerIcon(p.status, p.staff_id === selected),
        title: p.name,
        alt: p.name,
        keyboard: true,
      });
      marker.options.status = p.status;
      marker.options.selected = p.staff_id === selected;
      marker.on("click", () => chosen.current?.(p.staff_id));
      markers.current.set(p.staff_id, marker);
      added.push(marker);
    }
    const gone = [...markers.current].filter(([id]) => !seen.has(id)).map(([id, m]) => {
      markers.current.delete(id);
      return m;
    });
    if (gone.length) cluster.current.removeLayers(gone);
    if (added.length) cluster.current.addLayers(added);
    cluster.current.refreshClusters();
    if (fit && !fitted.current && markers.current.size) {
      fitted.current = true;
      ctx.map.invalidateSize(); // the page may have laid itself out since the map was made
      // not animated: a page left during a zoom animation would leave Leaflet a frame to
      // run on a removed map
      ctx.map.fitBounds(cluster.current.getBounds(), { padding: [30, 30], maxZoom: 15, animate: false });
    }
  }, [features, selected, ctx.crs]);
  return null;
}

/** The circle within which a fix may lie (its accuracy). */
export function AccuracyLayer({ lonLat, radius }) {
  useGroup(
    (group, { crs }) => {
      if (!lonLat || !radius) return;
      L.circle(latLng(lonLat, crs), { radius, className: "ff-accuracy", interactive: false }).addTo(group);
    },
    [lonLat?.[0], lonLat?.[1], radius],
  );
  return null;
}

/** A track as a line. */
export function RouteLayer({ coordinates, fit }) {
  useGroup(
    (group, { map, crs }) => {
      if (!coordinates?.length) return;
      const line = L.polyline(
        coordinates.map((c) => latLng(c, crs)),
        { className: "ff-route", weight: 4 },
      ).addTo(group);
      if (fit) map.fitBounds(line.getBounds(), { padding: [30, 30], maxZoom: 16, animate: false });
    },
    [coordinates, fit],
  );
  return null;
}

/** Places where someone stayed; `label(stop)` says what the popup shows. */
export function StopsLayer({ stops, label, onSelect }) {
  useGroup(
    (group, { crs }) => {
      (stops ?? []).forEach((stop, i) => {
        const marker = L.marker(latLng(stop.coordinates, crs), {
          icon: L.divIcon({ className: "ff-stop", html: `<span>${i + 1}</span>`, iconSize: [24, 24] }),
          title: label?.(stop, i) ?? "",
        }).addTo(group);
        if (label) marker.bindPopup(() => textContent(label(stop, i)));
        if (onSelect) marker.on("click", () => onSelect(stop, i));
      });
    },
    [stops],
  );
  return null;
}

/** Events (off zone, no signal…) where they began. */
export function EventsLayer({ events, label }) {
  useGroup(
    (group, { crs }) => {
      for (const e of events ?? []) {
        if (!e.coordinates) continue;
        L.circleMarker(latLng(e.coordinates, crs), { radius: 7, className: `ff-event event-${e.type}` })
          .bindPopup(() => textContent(label?.(e) ?? e.type))
          .addTo(group);
      }
    },
    [events],
  );
  return null;
}

/** Zones as GeoJSON features (polygons, or points with properties.radius_m for circles). */
export function ZonesLayer({ features, onSelect, selected }) {
  useGroup(
    (group, { crs }) => {
      for (const f of features ?? []) {
        const kind = f.properties?.kind ?? "zone";
        const className = `ff-zone zone-${kind}${f.id === selected ? " ff-zone-selected" : ""}`;
        let layer;
        if (f.geometry.type === "Point") {
          layer = L.circle(latLng(f.geometry.coordinates, crs), {
            radius: f.properties.radius_m,
            className,
          });
        } else {
          const shown = mapGeometry(f.geometry, (c) => toDisplay(c, crs));
          layer = L.geoJSON(shown, { style: { className } });
        }
        layer.bindTooltip(textContent(f.properties?.name), { sticky: true });
        if (onSelect) layer.on("click", () => onSelect(f.id));
        layer.addTo(group);
      }
    },
    [features, selected],
  );
  return null;
}

/** One moving marker (the playback of a track). */
export function PlaybackLayer({ lonLat }) {
  const ctx = useMap();
  const marker = useRef(null);
  useEffect(() => {
    marker.current = L.marker([0, 0], {
      icon: L.divIcon({ className: "ff-playback", html: "<span></span>", iconSize: [20, 20] }),
      interactive: false,
    });
    return () => marker.current.remove();
  }, [ctx.map]);
  useEffect(() => {
    if (!lonLat) {
      marker.current.remove();
      return;
    }
    marker.current.setLatLng(latLng(lonLat, ctx.crs));
    if (!ctx.map.hasLayer(marker.current)) marker.current.addTo(ctx.map);
  }, [lonLat?.[0], lonLat?.[1], ctx.crs]);
  return null;
}
