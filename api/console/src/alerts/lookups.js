// What an event refers to, looked up for a whole list at once: people's and zones' names
// (each directory read once per sign-in, with single look-ups only for what it lacks),
// where the person was when an event began, and the dates the pages work in.
import { allItems, api, token } from "../api.js";
import { toDisplay } from "../map/crs.js";
import { displayCrs } from "../map/MapView.js";

const directories = new Map(); // path → {token, names: Promise<Map<id, name>>}

function directory(path, nameOf) {
  const known = directories.get(path);
  if (known && known.token === token.value) return known.names;
  const names = allItems(path, {}, { limit: 500 }).then(
    (items) => new Map(items.map((item) => [item.id, nameOf(item)])),
    (error) => {
      directories.delete(path);
      throw error;
    },
  );
  directories.set(path, { token: token.value, names });
  return names;
}

async function namesOf(path, ids, nameOf) {
  const names = await directory(path, nameOf);
  const missing = [...new Set(ids)].filter((id) => id && !names.has(id));
  await Promise.all(
    missing.map((id) =>
      api(`${path}/${id}`).then(
        (item) => names.set(id, nameOf(item)),
        () => names.set(id, null),
      ),
    ),
  );
  return names;
}

/** Map of staff id → name for these ids (people in the caller's scope). */
export const staffNames = (ids) => namesOf("/api/v1/staff", ids, (s) => s.name);

/** Map of zone id → name for these ids (zones are GeoJSON features). */
export const zoneNames = (ids) => namesOf("/api/v1/zones", ids, (z) => z.properties?.name ?? null);

const places = new Map(); // event id → Promise<{lat, lon} | null>

/**
 * Where the person was when the event began, in the map's display coordinates: the last
 * good fix at or before the start (a lost signal is found where it was lost), else the
 * first one after it.
 */
export function placeOf(event) {
  if (!places.has(event.id)) {
    const place = (async () => {
      const start = new Date(event.started_at).getTime();
      const around = await api(`/api/v1/staff/${event.staff_id}/pings`, {
        query: {
          from: new Date(start - 30 * 60_000).toISOString(),
          to: new Date(start + 15 * 60_000).toISOString(),
          flagged: false,
          limit: 500,
        },
      });
      const fixes = around.items;
      const before = fixes.filter((p) => new Date(p.fix_time).getTime() <= start);
      const fix = before.length ? before[before.length - 1] : fixes[0];
      if (!fix) return null;
      const [lon, lat] = toDisplay([fix.lon, fix.lat], await displayCrs());
      return { lat: +lat.toFixed(6), lon: +lon.toFixed(6) };
    })();
    place.catch(() => places.delete(event.id));
    places.set(event.id, place);
  }
  return places.get(event.id);
}

export { dayStart, localDate } from "../dates.js";

