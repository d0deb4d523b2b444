// The playback of a period: where the person was at a moment, from their timed good
// fixes, and the slider with play/pause and speed that moves that moment along.
import { useEffect, useState } from "preact/hooks";
import { Button, Select } from "../components/basic.js";
import { html } from "../html.js";
import { formatTime, t } from "../i18n.js";
import { PlaybackLayer } from "../map/layers.js";

/** Minutes of the period played per second. */
export const SPEEDS = [1, 5, 15, 30, 60];
const DEFAULT_SPEED = 15;
/** Longer than this without a fix, the marker waits at the last one instead of gliding. */
const HOLD_MS = 10 * 60_000;
/** Longer than this without a fix (a silence, a night), playing jumps to the next fix. */
const SKIP_MS = 30 * 60_000;

/** Index of the last fix at or before `t` (fixes by time), or -1. */
function lastAtOrBefore(fixes, t) {
  let lo = 0;
  let hi = fixes.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (fixes[mid].t <= t) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** Where the person was at `t` ([lon, lat]), between the fixes around it. */
export function positionAt(fixes, t) {
  if (!fixes.length) return null;
  const i = lastAtOrBefore(fixes, t);
  if (i < 0) return [fixes[0].lon, fixes[0].lat];
  const a = fixes[i];
  const b = fixes[i + 1];
  if (!b || b.t - a.t > HOLD_MS) return [a.lon, a.lat];
  const f = (t - a.t) / (b.t - a.t);
  return [a.lon + (b.lon - a.lon) * f, a.lat + (b.lat - a.lat) * f];
}

/** The fix nearest in time to `t` (before or after it), or null. */
export function nearestFix(fixes, t) {
  if (!fixes.length) return null;
  const i = lastAtOrBefore(fixes, t);
  const before = fixes[i];
  const after = fixes[i + 1];
  if (!before) return after;
  if (!after) return before;
  return t - before.t <= after.t - t ? before : after;
}

/** The moment after `t` advanced by `ms`, jumping over long silences. */
function advance(fixes, t, ms) {
  const next = t + ms;
  const i = lastAtOrBefore(fixes, next);
  const after = fixes[i + 1];
  if (i >= 0 && after && after.t - fixes[i].t > SKIP_MS) return after.t;
  return next;
}

/** The moving marker; only this re-renders as the moment moves. */
export function PlaybackMarker({ fixes, at }) {
  return html`<${PlaybackLayer} lonLat=${positionAt(fixes, at.value)} />`;
}

/** Play/pause, the slider over the period's fixes, the speed and the current time. */
export function PlaybackBar({ fixes, at, withDate }) {
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(DEFAULT_SPEED);
  const start = fixes[0]?.t ?? 0;
  const end = fixes[fixes.length - 1]?.t ?? 0;
  useEffect(() => {
    at.value = start;
    setPlaying(false);
  }, [fixes]);
  useEffect(() => {
    if (!playing) return undefined;
    let last = performance.now();
    let frame;
    const step = (now) => {
      const next = advance(fixes, at.value, (now - last) * speed * 60);
      last = now;
      if (next >= end) {
        at.value = end;
        setPlaying(false);
        return;
      }
      at.value = next;
      frame = requestAnimationFrame(step);
    };
    frame = requestAnimationFrame(step);
    return () => cancelAnimationFrame(frame);
  }, [playing, speed, fixes]);
  const toggle = () => {
    if (!playing && at.value >= end) at.value = start;
    setPlaying(!playing);
  };
  return html`<div class="playback" role="group" aria-label=${t("itinerary:playback")}>
    <${Button}
      kind="primary"
      aria-pressed=${playing ? "true" : "false"}
      onClick=${toggle}
    >
      ${playing ? `❚❚ ${t("itinerary:pause")}` : `▶ ${t("itinerary:play")}`}
    <//>
    <input
      type="range"
      class="playback-slider"
      aria-label=${t("itinerary:position")}
      min="0"
      max=${Math.round((end - start) / 1000)}
      step="1"
      value=${Math.round((at.value - start) / 1000)}
      onInput=${(e) => {
        at.value = start + Number(e.currentTarget.value) * 1000;
      }}
    />
    <output class="playback-time" aria-live="off">
      ${formatTime(at.value, { date: withDate, seconds: true })}
    </output>
    <span class="playback-speed">
      <${Select}
        aria-label=${t("itinerary:speed")}
        title=${t("itinerary:speed")}
        value=${String(speed)}
        onValue=${(v) => setSpeed(Number(v))}
        options=${SPEEDS.map((n) => ({ value: String(n), label: t("itinerary:speed_value", { n }) }))}
      />
    </span>
  </div>`;
}
