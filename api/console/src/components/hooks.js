import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api.js";

/**
 * Loads data for a component: `load(signal)` is called again when `deps` change; an older
 * answer that arrives after a newer request is dropped.
 */
export function useLoad(load, deps) {
  const [state, setState] = useState({ data: undefined, error: null, loading: true });
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    Promise.resolve()
      .then(() => load(controller.signal))
      .then(
        (data) => mine === generation.current && setState({ data, error: null, loading: false }),
        (error) => {
          if (mine !== generation.current || error?.name === "AbortError") return;
          setState((s) => ({ ...s, error, loading: false }));
        },
      );
    return () => controller.abort();
  }, deps); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(run, [run]);
  return { ...state, reload: run };
}

/** Calls `tick` every `ms` while the page is visible. */
export function useInterval(tick, ms) {
  const saved = useRef(tick);
  saved.current = tick;
  useEffect(() => {
    if (!ms) return undefined;
    const id = setInterval(() => document.visibilityState === "visible" && saved.current(), ms);
    return () => clearInterval(id);
  }, [ms]);
}

/** An action's state: run(fn) sets busy, keeps the error, returns fn's result. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const run = useCallback(async (fn) => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, setError };
}

const EMPTY_PAGES = { items: [], cursor: null, loading: true, error: null };

/**
 * A list the API answers in pages ({"items", "next_cursor"}): the first page, then more on
 * demand ("load more"), read again from the start whenever `path`, `query` or `limit`
 * change (until the new first page arrives, the old rows are not shown as its answer;
 * reload() keeps them until the fresh ones come).
 * Returns {items, hasMore, loading, error, loadMore(), reload(), replace(item)}.
 */
export function usePaged(path, query, { limit = 50 } = {}) {
  const key = JSON.stringify([path, query, limit]);
  const [state, setState] = useState({ ...EMPTY_PAGES, key: null });
  const generation = useRef(0);
  const read = useCallback(
    (cursor) => {
      const mine = cursor ? generation.current : ++generation.current;
      // more pages, or the same list again: its rows stay while the answer comes
      setState((s) => ({ ...(cursor || s.key === key ? s : EMPTY_PAGES), key, loading: true, error: null }));
      api(path, { query: { ...query, limit, cursor: cursor ?? undefined } }).then(
        (page) =>
          mine === generation.current &&
          setState((s) => ({
            key,
            items: cursor ? [...s.items, ...page.items] : page.items,
            cursor: page.next_cursor,
            loading: false,
            error: null,
          })),
        (error) => mine === generation.current && setState((s) => ({ ...s, loading: false, error })),
      );
    },
    [key], // eslint-disable-line react-hooks/exhaustive-deps
  );
  useEffect(() => read(null), [read]);
  const current = state.key === key ? state : { ...EMPTY_PAGES, key };
  return {
    items: current.items,
    hasMore: !!current.cursor,
    loading: current.loading,
    error: current.error,
    loadMore: () => current.cursor && read(current.cursor),
    reload: () => read(null),
    replace: (item) =>
      setState((s) => ({ ...s, items: s.items.map((i) => (i.id === item.id ? item : i)) })),
  };
}
