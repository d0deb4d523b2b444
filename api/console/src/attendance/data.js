// What the attendance pages share: the tenant's today, months, and how a day reads.
import { api, token } from "../api.js";
import { localDate, parseDay } from "../dates.js";
import { formatDuration } from "../i18n.js";

export const DAY_TONES = {
  present: "ok",
  late: "warn",
  early_leave: "warn",
  half_day: "warn",
  absent: "danger",
  on_leave: "neutral",
  holiday: "neutral",
  rest_day: "neutral",
  business_trip: "neutral",
};

const zones = new Map(); // token → the tenant's time zone (or null when it may not be read)

/** Today in the tenant's time zone (the sheet's days are the tenant's). */
export async function tenantToday() {
  if (!zones.has(token.value)) zones.set(token.value, api("/api/v1/tenant").then((x) => x.timezone, () => null));
  const zone = await zones.get(token.value);
  if (!zone) return localDate();
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

/** The first and the last day of a month, the last no later than `today`. */
export function monthRange(month, today) {
  const first = `${month}-01`;
  const d = parseDay(first);
  const last = localDate(new Date(d.getFullYear(), d.getMonth() + 1, 0));
  return [first, last < today ? last : today];
}

export const minutes = (m) => (m ? formatDuration(m * 60) : "");
