// The itinerary beside the map: stops, trips and events as lists (cards on a phone);
// choosing a row shows it on the map.
import { Badge, Table } from "../components/basic.js";
import { html } from "../html.js";
import { formatDistance, formatDuration, formatTime, t } from "../i18n.js";

const number = (n, selected) =>
  html`<span class=${`itinerary-number${selected ? " itinerary-number-selected" : ""}`}>${n}</span>`;

export function StopsList({ stops, withDate, selected, onSelect }) {
  const time = (v) => formatTime(v, { date: withDate });
  return html`<${Table}
    rows=${stops}
    rowKey=${(s) => s.n}
    onRow=${onSelect}
    empty=${t("itinerary:no_stops")}
    columns=${[
      { key: "n", label: t("itinerary:number"), render: (s) => number(s.n, s.n === selected) },
      { key: "start", label: t("itinerary:arrival"), render: (s) => time(s.start) },
      { key: "end", label: t("itinerary:departure"), render: (s) => time(s.end) },
      { key: "duration_s", label: t("itinerary:stayed"), class: "num", render: (s) => formatDuration(s.duration_s) },
    ]}
  />`;
}

export function TripsList({ trips, withDate, selected, onSelect }) {
  const time = (v) => formatTime(v, { date: withDate });
  return html`<${Table}
    rows=${trips}
    rowKey=${(trip) => trip.n}
    onRow=${onSelect}
    empty=${t("itinerary:no_trips")}
    columns=${[
      { key: "n", label: t("itinerary:number"), render: (trip) => number(trip.n, trip.n === selected) },
      { key: "start", label: t("itinerary:left"), render: (trip) => time(trip.start) },
      { key: "end", label: t("itinerary:arrived"), render: (trip) => time(trip.end) },
      { key: "duration_s", label: t("itinerary:took"), class: "num", render: (trip) => formatDuration(trip.duration_s) },
      { key: "distance_m", label: t("itinerary:distance"), class: "num", render: (trip) => formatDistance(trip.distance_m) },
    ]}
  />`;
}

export function EventsList({ events, withDate, onSelect }) {
  const time = (v) => formatTime(v, { date: withDate });
  return html`<${Table}
    rows=${events}
    onRow=${onSelect}
    empty=${t("itinerary:no_events")}
    columns=${[
      {
        key: "type",
        label: t("itinerary:event"),
        render: (e) => html`<span class=${`badge event-badge event-${e.type}`}>${t(`event_${e.type}`)}</span>`,
      },
      { key: "started_at", label: t("itinerary:started"), render: (e) => time(e.started_at) },
      {
        key: "duration_s",
        label: t("itinerary:lasted"),
        class: "num",
        render: (e) =>
          e.ended_at ? formatDuration(e.duration_s) : html`<${Badge} tone="warn">${t("itinerary:ongoing")}<//>`,
      },
    ]}
  />`;
}

/** Positions the network gave (cells, Wi-Fi, the operator's LBS), with their accuracy. */
export function NetworkList({ fixes, withDate, onSelect }) {
  const time = (v) => formatTime(v, { date: withDate });
  return html`<${Table}
    rows=${fixes}
    onRow=${onSelect}
    empty=${t("itinerary:no_network_fixes")}
    columns=${[
      { key: "fix_time", label: t("itinerary:when"), render: (f) => time(f.fix_time) },
      { key: "source", label: t("itinerary:source"), render: (f) => html`<span class=${`badge source-${f.source}`}>${t(`itinerary:source_${f.source}`)}</span>` },
      { key: "accuracy_m", label: t("itinerary:accuracy"), class: "num", render: (f) => (f.accuracy_m == null ? "–" : `±${formatDistance(f.accuracy_m)}`) },
    ]}
  />`;
}
