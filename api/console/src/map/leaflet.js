// Leaflet and its plugins as one module: the plugins extend the global L they find.
import L from "leaflet";

window.L = L;

// A zoom animation ends on a timer that map.remove() does not cancel: when a page with a
// map is left while it zooms (a fit to its data), the timer finds the map's panes gone.
const finishZoom = L.Map.prototype._onZoomTransitionEnd;
L.Map.prototype._onZoomTransitionEnd = function onZoomTransitionEnd() {
  if (this._mapPane) finishZoom.call(this);
};
await import("leaflet.markercluster");
await import("@geoman-io/leaflet-geoman-free");

export default L;
