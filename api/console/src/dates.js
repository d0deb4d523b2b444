// Local days in the browser's time zone: the console's pages are addressed by day
// (YYYY-MM-DD) and send the API ISO times with the local offset.

const pad = (n) => String(n).padStart(2, "0");

/** A time's local day as YYYY-MM-DD (a Date or anything Date reads). */
export function localDate(value = new Date()) {
  const d = value instanceof Date ? value : new Date(value);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Local midnight of a YYYY-MM-DD day, or null when it is not a real date. */
export function parseDay(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text ?? "");
  if (!m) return null;
  const d = new Date(+m[1], +m[2] - 1, +m[3]);
  return localDate(d) === text ? d : null;
}

/** Local midnight at the start of a YYYY-MM-DD day, `days` later. */
export function dayStart(day, days = 0) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y, m - 1, d + days);
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

/** The YYYY-MM month `by` months after a YYYY-MM month. */
export function shiftMonth(month, by) {
  const [y, m] = month.split("-").map(Number);
  return localDate(new Date(y, m - 1 + by, 1)).slice(0, 7);
}
