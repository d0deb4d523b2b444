// Leaflet and its plugins as one module: the plugins extend the global L they find.
import L from "leaflet";

window.L = L;
await import("leaflet.markercluster");
await import("@geoman-io/leaflet-geoman-free");

export default L;
