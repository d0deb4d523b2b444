// 行程查询: where one person went on a day (or a few days): the track, its stops and trips,
// the events of the period, their zones underneath, a playback, and the track to download.
// Addressed as #/itinerary?person=<staff id>&day=YYYY-MM-DD (or &from=…&to=…).
import { useSignal } from "@preact/signals";
import { useEffect, useMemo, useState } from "preact/hooks";
import { allItems, api, download } from "../api.js";
import { Button, Empty, ErrorBox, Field, Input, Tabs, Toolbar } from "../components/basic.js";
import { useAction, useLoad } from "../components/hooks.js";
import { StaffPicker } from "../components/pickers.js";
import { html } from "../html.js";
import { formatDistance, formatDuration, formatNumber, formatTime, t } from "../i18n.js";
import { EventsLayer, RouteLayer, StopsLayer, ZonesLayer } from "../map/layers.js";
import { MapView } from "../map/MapView.js";
import { route, setParams } from "../router.js";
import { FitZonesLayer, FocusLayer, NetworkFixesLayer, TripLayer } from "./layers.js";
import { EventsList, NetworkList, StopsList, TripsList } from "./lists.js";
import { MAX_DAYS, addDays, localDate, periodOf } from "./period.js";
import { PlaybackBar, PlaybackMarker, nearestFix } from "./playback.js";
import "./itinerary.css";

/** The line is simplified to about a pixel at this zoom (street level). */
const TRACK_ZOOM = 16;
/** Positions the network gave rather than the phone's GPS. */
const NETWORK_SOURCES = ["cell", "wifi", "lbs"];

/** The person's zones on each day of the period, each zone once. */
async function zonesOf(person, days, signal) {
  const answers = await Promise.all(
    days.map((on) => api(`/api/v1/staff/${person}/zones`, { query: { on }, signal })),
  );
  const byId = new Map();
  for (const answer of answers) for (const item of answer.items) byId.set(item.zone.id, item.zone);
  return [...byId.values()];
}

async function loadItinerary(person, period, signal) {
  const when = { from: period.from, to: period.to };
  const [track, pings, network, events, zones] = await Promise.all([
    api(`/api/v1/staff/${person}/track`, { query: { ...when, zoom: TRACK_ZOOM }, signal }),
    allItems(`/api/v1/staff/${person}/pings`, { ...when, flagged: false }, { limit: 500, max: 100_000 }),
    allItems(`/api/v1/staff/${person}/pings`, { ...when, source: NETWORK_SOURCES }, { limit: 500, max: 20_000 }),
    allItems("/api/v1/events", { ...when, staff_id: person }),
    zonesOf(person, period.days, signal),
  ]);
  const fixes = pings.map((p) => ({ t: Date.parse(p.fix_time), lon: p.lon, lat: p.lat }));
  const of = (kind) => track.features.filter((f) => f.properties.kind === kind);
  const stops = of("stop").map((f, i) => ({ n: i + 1, coordinates: f.geometry.coordinates, ...f.properties }));
  const trips = of("trip").map((f, i) => ({ n: i + 1, feature: f, ...f.properties }));
  const placed = events
    .map((e) => {
      const fix = nearestFix(fixes, Date.parse(e.started_at));
      return { ...e, coordinates: fix ? [fix.lon, fix.lat] : null };
    })
    .sort((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at));
  return {
    line: of("track")[0]?.geometry.coordinates ?? null,
    distance_m: track.distance_m,
    stops,
    trips,
    events: placed,
    zones,
    fixes,
    network: network.map((p, i) => ({ n: i + 1, ...p })),
  };
}

function Totals({ data }) {
  const moving = data.trips.reduce((s, trip) => s + trip.duration_s, 0);
  const stopped = data.stops.reduce((s, stop) => s + stop.duration_s, 0);
  const facts = [
    ["distance", formatDistance(data.distance_m)],
    ["stops", formatNumber(data.stops.length)],
    ["moving", formatDuration(moving)],
    ["stopped", formatDuration(stopped)],
    ["events", formatNumber(data.events.length)],
    ["fixes", formatNumber(data.fixes.length)],
  ];
  return html`<dl class="itinerary-totals">
    ${facts.map(
      ([key, value]) => html`<div class=${`itinerary-total total-${key}`}>
        <dt>${t(`itinerary:total_${key}`)}</dt>
        <dd>${value}</dd>
      </div>`,
    )}
  </dl>`;
}

function PeriodPicker({ period }) {
  const { range, first, last } = period;
  const choose = (mode) =>
    mode === "range"
      ? setParams({ day: "", from: first, to: last })
      : setParams({ day: first, from: "", to: "" });
  return html`<div class="itinerary-period">
    <${Tabs}
      value=${range ? "range" : "day"}
      onValue=${choose}
      tabs=${[
        { value: "day", label: t("itinerary:mode_day") },
        { value: "range", label: t("itinerary:mode_range") },
      ]}
    />
    ${range
      ? html`<div class="itinerary-dates">
          <${Field} label=${t("itinerary:first_day")}>
            <${Input} type="date" name="from" value=${first} onValue=${(v) => v && setParams({ from: v })} />
          <//>
          <${Field} label=${t("itinerary:last_day")}>
            <${Input}
              type="date"
              name="to"
              value=${last}
              min=${first}
              max=${addDays(first, MAX_DAYS - 1)}
              onValue=${(v) => v && setParams({ to: v })}
            />
          <//>
        </div>`
      : html`<div class="itinerary-dates">
          <${Button} aria-label=${t("itinerary:previous_day")} title=${t("itinerary:previous_day")}
            onClick=${() => setParams({ day: addDays(first, -1) })}>‹<//>
          <${Field} label=${t("itinerary:day")}>
            <${Input} type="date" name="day" value=${first} onValue=${(v) => v && setParams({ day: v })} />
          <//>
          <${Button} aria-label=${t("itinerary:next_day")} title=${t("itinerary:next_day")}
            onClick=${() => setParams({ day: addDays(first, 1) })}>›<//>
        </div>`}
  </div>`;
}

export function ItineraryPage() {
  const params = route.value.params;
  const person = params.person ?? "";
  const period = periodOf(params, localDate());
  const ready = !!person && !period.error;
  const itinerary = useLoad(
    (signal) => (ready ? loadItinerary(person, period, signal) : Promise.resolve(null)),
    [person, period.from, period.to, ready],
  );
  const data = itinerary.error ? null : itinerary.data;
  const at = useSignal(0);
  const [tab, setTab] = useState("stops");
  const [selected, setSelected] = useState(null); // {kind, n}
  const [focus, setFocus] = useState(null);
  useEffect(() => {
    setSelected(null);
    setFocus(null);
  }, [data]);
  const saving = useAction();
  const withDate = !!period.days && period.days.length > 1;
  const save = (format) =>
    saving.run(() =>
      download(
        `/api/v1/staff/${person}/track`,
        { from: period.from, to: period.to, format: format === "gpx" ? "gpx" : undefined, download: true },
        `track-${period.first}${withDate ? `_${period.last}` : ""}.${format}`,
      ),
    );
  const time = (v) => formatTime(v, { date: withDate });
  const stopLabel = (stop) =>
    t("itinerary:stop_label", { n: stop.n, arrival: time(stop.start), departure: time(stop.end), duration: formatDuration(stop.duration_s) });
  const eventLabel = (e) => `${t(`event_${e.type}`)} · ${time(e.started_at)}`;
  const showStop = (stop) => {
    setSelected({ kind: "stop", n: stop.n });
    setTab("stops");
    setFocus({ lonLat: stop.coordinates });
  };
  const showTrip = (trip) => {
    setSelected({ kind: "trip", n: trip.n });
    setFocus(null);
  };
  const showEvent = (e) => {
    setSelected({ kind: "event", n: e.id });
    if (e.coordinates) setFocus({ lonLat: e.coordinates });
  };
  const trip = selected?.kind === "trip" ? data?.trips.find((x) => x.n === selected.n) : null;
  const empty = data && !data.fixes.length && !data.stops.length && !data.line && !data.network.length;
  const networkLabel = (f) =>
    `${t(`itinerary:source_${f.source}`)} · ${time(f.fix_time)}${f.accuracy_m ? ` · ±${formatDistance(f.accuracy_m)}` : ""}`;
  const zones = useMemo(() => data?.zones ?? [], [data]);

  return html`<div class="itinerary">
    <${Toolbar}>
      <div class="field itinerary-person">
        <span class="field-label">${t("person")}</span>
        <${StaffPicker} value=${person} label=${t("person")} onValue=${(id) => setParams({ person: id })} />
      </div>
      <${PeriodPicker} period=${period} />
      <div class="itinerary-downloads">
        <${Button} disabled=${!data || empty} busy=${saving.busy} onClick=${() => save("gpx")}>
          ⤓ ${t("itinerary:download_gpx")}
        <//>
        <${Button} disabled=${!data || empty} busy=${saving.busy} onClick=${() => save("geojson")}>
          ⤓ ${t("itinerary:download_geojson")}
        <//>
      </div>
      <span class="toolbar-note" aria-live="polite">${itinerary.loading && ready ? t("loading") : ""}</span>
    <//>
    ${period.error && html`<div class="error-box" role="alert">${t(period.error, { max: MAX_DAYS })}</div>`}
    <${ErrorBox} error=${itinerary.error} onRetry=${itinerary.reload} />
    <${ErrorBox} error=${saving.error} />
    ${!person && html`<${Empty}>${t("itinerary:choose_person")}<//>`}
    ${empty && html`<div class="itinerary-empty" role="status">${t(withDate ? "itinerary:no_fixes_period" : "itinerary:no_fixes_day")}</div>`}
    ${data && !empty && html`<${Totals} data=${data} />`}
    <div class="map-and-panel itinerary-body">
      <div class="itinerary-map">
        <${MapView} label=${t("nav_itinerary")}>
          <${ZonesLayer} features=${zones} />
          ${data && !data.line && html`<${FitZonesLayer} features=${zones} />`}
          ${data?.line && html`<${RouteLayer} coordinates=${data.line} fit=${true} />`}
          ${data && html`<${TripLayer} trip=${trip?.feature} />`}
          ${data && html`<${StopsLayer} stops=${data.stops} label=${stopLabel} onSelect=${showStop} />`}
          ${data && html`<${EventsLayer} events=${data.events} label=${eventLabel} />`}
          ${data && html`<${NetworkFixesLayer} fixes=${data.network} label=${networkLabel} />`}
          <${FocusLayer} focus=${focus} />
          ${data?.fixes.length ? html`<${PlaybackMarker} fixes=${data.fixes} at=${at} />` : null}
        <//>
        ${data?.fixes.length ? html`<${PlaybackBar} fixes=${data.fixes} at=${at} withDate=${withDate} />` : null}
      </div>
      ${data &&
      !empty &&
      html`<aside class="side-panel itinerary-side" aria-label=${t("itinerary:details")}>
        <${Tabs}
          value=${tab}
          onValue=${setTab}
          tabs=${[
            { value: "stops", label: t("itinerary:tab_stops", { count: data.stops.length }) },
            { value: "trips", label: t("itinerary:tab_trips", { count: data.trips.length }) },
            { value: "events", label: t("itinerary:tab_events", { count: data.events.length }) },
            ...(data.network.length ? [{ value: "network", label: t("itinerary:tab_network", { count: data.network.length }) }] : []),
          ]}
        />
        ${tab === "stops" &&
        html`<${StopsList}
          stops=${data.stops}
          withDate=${withDate}
          selected=${selected?.kind === "stop" ? selected.n : null}
          onSelect=${showStop}
        />`}
        ${tab === "trips" &&
        html`<${TripsList}
          trips=${data.trips}
          withDate=${withDate}
          selected=${selected?.kind === "trip" ? selected.n : null}
          onSelect=${showTrip}
        />`}
        ${tab === "events" && html`<${EventsList} events=${data.events} withDate=${withDate} onSelect=${showEvent} />`}
        ${tab === "network" &&
        html`<${NetworkList} fixes=${data.network} withDate=${withDate} onSelect=${(f) => setFocus({ lonLat: [f.lon, f.lat] })} />`}
      </aside>`}
    </div>
  </div>`;
}
