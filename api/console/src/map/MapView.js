// One map view; what it shows are layers, each a small component over it (map/layers.js).
import { createContext } from "preact";
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import L from "./leaflet.js";
import { html } from "../html.js";
import { t } from "../i18n.js";

export const MapContext = createContext(null);
export const useMap = () => useContext(MapContext);

let configOnce = null;
/** Tile sources and the like, as the server is configured. */
export function mapConfig() {
  configOnce ??= fetch("/console/config.json").then((r) => (r.ok ? r.json() : { tiles: [] }));
  return configOnce;
}

const SOURCE_KEY = "fieldforce.tiles";
const DEFAULT_VIEW = { lat: 30.27, lon: 120.15, zoom: 10 };

function tileLayer(source) {
  return L.tileLayer(source.url, {
    attribution: source.attribution ?? "",
    maxZoom: source.max_zoom ?? 19,
    subdomains: source.subdomains ?? "abc",
  });
}

/**
 * The map. `view` ({lat, lon, zoom}) is where it opens; `onView` hears where the reader
 * moved it. Children are layers; they get the map and the coordinate system of the tiles
 * (`crs`) from MapContext.
 */
export function MapView({ view, onView, children, label }) {
  const element = useRef(null);
  const [context, setContext] = useState(null);
  const [plain, setPlain] = useState(false);
  const heard = useRef(onView);
  heard.current = onView;
  useEffect(() => {
    const map = L.map(element.current, { zoomSnap: 0.5, worldCopyJump: true });
    const start = { ...DEFAULT_VIEW, ...(view ?? {}) };
    map.setView([start.lat, start.lon], start.zoom);
    L.control.scale({ imperial: false }).addTo(map);
    map.on("moveend", () => {
      const c = map.getCenter();
      heard.current?.({ lat: +c.lat.toFixed(5), lon: +c.lng.toFixed(5), zoom: map.getZoom() });
    });
    let alive = true;
    mapConfig().then((config) => {
      if (!alive) return;
      const sources = config.tiles ?? [];
      if (!sources.length) {
        setPlain(true);
        setContext({ map, crs: "wgs84" });
        return;
      }
      const saved = localStorage.getItem(SOURCE_KEY);
      const chosen = sources.find((s) => s.name === saved) ?? sources[0];
      const layers = Object.fromEntries(sources.map((s) => [s.name, tileLayer(s)]));
      layers[chosen.name].addTo(map);
      if (sources.length > 1) L.control.layers(layers, {}, { position: "topright" }).addTo(map);
      map.on("baselayerchange", (e) => {
        const source = sources.find((s) => s.name === e.name);
        localStorage.setItem(SOURCE_KEY, source.name);
        setContext({ map, crs: source.crs ?? "wgs84" });
      });
      setContext({ map, crs: chosen.crs ?? "wgs84" });
    });
    const resize = new ResizeObserver(() => map.invalidateSize());
    resize.observe(element.current);
    return () => {
      alive = false;
      resize.disconnect();
      map.stop(); // no pan or zoom animation may outlive the map
      map.remove();
    };
  }, []);
  return html`<div class="map-wrap">
    <div class=${`map${plain ? " map-plain" : ""}`} ref=${element} role="region" aria-label=${label ?? "map"}></div>
    ${plain && html`<div class="map-note">${t("map_no_tiles")}</div>`}
    ${context && html`<${MapContext.Provider} value=${context}>${children}<//>`}
  </div>`;
}

/** The coordinate system of the tiles a map opens with (the reader's saved choice, else
 * the first source), for links that place a map view ("#/map?lat=&lon=" is in it). */
export async function displayCrs() {
  const sources = (await mapConfig()).tiles ?? [];
  const saved = localStorage.getItem(SOURCE_KEY);
  const chosen = sources.find((s) => s.name === saved) ?? sources[0];
  return chosen?.crs ?? "wgs84";
}
