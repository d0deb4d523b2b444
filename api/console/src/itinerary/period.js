// The period an itinerary shows: local days in the browser's time zone, from the page's
// parameters (day=YYYY-MM-DD, or from=…&to=… for several days), sent to the API as ISO
// times with the local offset.

export const MAX_DAYS = 7; // the API's longest track period

const pad = (n) => String(n).padStart(2, "0");

/** A Date's local day as YYYY-MM-DD. */
export function localDate(d = new Date()) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Local midnight of a YYYY-MM-DD day, or null when it is not a real date. */
export function parseDay(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text ?? "");
  if (!m) return null;
  const d = new Date(+m[1], +m[2] - 1, +m[3]);
  return localDate(d) === text ? d : null;
}

/** The day `n` days after a YYYY-MM-DD day. */
export function addDays(text, n) {
  const d = parseDay(text);
  if (!d) return text;
  d.setDate(d.getDate() + n);
  return localDate(d);
}

/** A local time as ISO-8601 with its offset: 2026-03-02T00:00:00+08:00. */
export function isoLocal(d) {
  const offset = -d.getTimezoneOffset();
  const abs = Math.abs(offset);
  const zone = `${offset >= 0 ? "+" : "-"}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return `${localDate(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${zone}`;
}

/**
 * What the parameters ask for: {range, first, last, days, from, to} with `from`/`to` the
 * ISO times of the first day's start and the day after the last; or {range, first, last,
 * error} (an itinerary:… text key) when the dates cannot be shown.
 */
export function periodOf(params, today = localDate()) {
  const range = !!(params.from || params.to);
  const first = range ? params.from || params.to : params.day || today;
  const last = range ? params.to || params.from : first;
  const start = parseDay(first);
  const end = parseDay(last);
  if (!start || !end) return { range, first, last, error: "itinerary:bad_date" };
  if (end < start) return { range, first, last, error: "itinerary:bad_order" };
  const days = [];
  for (const d = new Date(start); d <= end; d.setDate(d.getDate() + 1)) days.push(localDate(d));
  if (days.length > MAX_DAYS) return { range, first, last, error: "itinerary:too_long" };
  const after = new Date(end);
  after.setDate(after.getDate() + 1);
  return { range, first, last, days, from: isoLocal(start), to: isoLocal(after) };
}
