// Data helpers of the notices area: paged lists with "load more", and people's names.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { allItems, api, token } from "../api.js";
import { directs, me } from "../auth.js";
import { useLoad } from "../components/hooks.js";
import { t } from "../i18n.js";

export const PAGE_SIZE = 30;

/**
 * A paged list ({"items", "next_cursor"}): the first page, then more on demand. `query`
 * is read when `deps` change; `replace(item)` puts an updated item in place.
 */
export function usePaged(path, query, deps) {
  const [state, setState] = useState({ items: [], next: null, loading: true, error: null });
  const generation = useRef(0);
  const fetchPage = useCallback((cursor) => {
    const mine = cursor ? generation.current : ++generation.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    api(path, { query: { ...query, limit: PAGE_SIZE, cursor } }).then(
      (page) =>
        mine === generation.current &&
        setState((s) => ({
          items: cursor ? [...s.items, ...page.items] : page.items,
          next: page.next_cursor,
          loading: false,
          error: null,
        })),
      (error) => mine === generation.current && setState((s) => ({ ...s, loading: false, error })),
    );
  }, deps); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => fetchPage(null), [fetchPage]);
  return {
    ...state,
    reload: () => fetchPage(null),
    more: () => state.next && fetchPage(state.next),
    replace: (item) => setState((s) => ({ ...s, items: s.items.map((i) => (i.id === item.id ? item : i)) })),
  };
}

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

/** The local date (YYYY-MM-DD) of a time, for links to a day's itinerary. */
export function localDate(value) {
  const d = new Date(value);
  const z = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${z(d.getMonth() + 1)}-${z(d.getDate())}`;
}

/** One record of a list, loaded on its own (fresh); the list is told of each answer. */
export function useItem(path, onLoaded) {
  const loaded = useLoad((signal) => api(path, { signal }), [path]);
  useEffect(() => {
    if (loaded.data) onLoaded(loaded.data);
  }, [loaded.data]);
  return loaded;
}
