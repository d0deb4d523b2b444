// The period an itinerary shows: local days in the browser's time zone, from the page's
// parameters (day=YYYY-MM-DD, or from=…&to=… for several days), sent to the API as ISO
// times with the local offset.

import { addDays, isoLocal, localDate, parseDay } from "../dates.js";

export { addDays, isoLocal, localDate, parseDay };

export const MAX_DAYS = 7; // the API's longest track period

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
