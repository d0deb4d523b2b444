// Data helpers of the notices area: page size, people's names, one item kept fresh.
import { useCallback, useEffect } from "preact/hooks";
import { allItems, api, token } from "../api.js";
import { directs, me } from "../auth.js";
import { useLoad } from "../components/hooks.js";
import { t } from "../i18n.js";

export const PAGE_SIZE = 30;

let people = { token: null, promise: null };
/** Everyone the signed-in person may see, by id, loaded once per sign-in (directing people only). */
function scopePeople() {
  if (people.token !== token.value) {
    const promise = allItems("/api/v1/staff").then((list) => new Map(list.map((s) => [s.id, s])));
    people = { token: token.value, promise };
    promise.catch(() => {
      people = { token: null, promise: null };
    });
  }
  return people.promise;
}

/** A lookup of people's names: the scope's staff for those who direct, oneself for others. */
export function usePeople() {
  const { data } = useLoad(
    () => (directs() ? scopePeople() : Promise.resolve(new Map([[me.value.id, me.value]]))),
    [],
  );
  return useCallback(
    (id) => {
      if (!id) return "";
      if (id === me.value?.id) return me.value.name;
      return data?.get(id)?.name ?? t("notices:someone");
    },
    [data],
  );
}

/** "2026-12-02T09:30" for an <input type="datetime-local"> → an ISO time, or undefined. */
export function fromLocalInput(value) {
  return value ? new Date(value).toISOString() : undefined;
}

export { localDate } from "../dates.js";

/** One record of a list, loaded on its own (fresh); the list is told of each answer. */
export function useItem(path, onLoaded) {
  const loaded = useLoad((signal) => api(path, { signal }), [path]);
  useEffect(() => {
    if (loaded.data) onLoaded(loaded.data);
  }, [loaded.data]);
  return loaded;
}
