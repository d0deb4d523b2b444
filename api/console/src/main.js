import "leaflet/dist/leaflet.css";
import "leaflet.markercluster/dist/MarkerCluster.css";
import "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css";
import "./styles/app.css";
import { render } from "preact";
import { App } from "./App.js";

render(App(), document.getElementById("app"));
