// A list read page by page ("load more"), starting again when its query changes.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api.js";

export function usePaged(path, query, limit = 20) {
  const key = JSON.stringify(query);
  const [state, setState] = useState({ items: [], cursor: null, loading: true, error: null });
  const generation = useRef(0);
  const fetchPage = useCallback(
    (cursor, append) => {
      const mine = ++generation.current;
      setState((s) => ({ ...s, loading: true, error: null }));
      api(path, { query: { ...query, limit, cursor } }).then(
        (page) =>
          mine === generation.current &&
          setState((s) => ({
            items: append ? [...s.items, ...page.items] : page.items,
            cursor: page.next_cursor,
            loading: false,
            error: null,
          })),
        (error) => mine === generation.current && setState((s) => ({ ...s, loading: false, error })),
      );
    },
    [path, key, limit], // eslint-disable-line react-hooks/exhaustive-deps
  );
  const reload = useCallback(() => fetchPage(null, false), [fetchPage]);
  useEffect(reload, [reload]);
  return {
    ...state,
    hasMore: !!state.cursor,
    loadMore: () => state.cursor && fetchPage(state.cursor, true),
    reload,
  };
}
