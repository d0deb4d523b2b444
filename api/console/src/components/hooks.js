import { useCallback, useEffect, useRef, useState } from "preact/hooks";

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
