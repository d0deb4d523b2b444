// Pages are addressed by the hash (#/map?unit=…), so links can be shared and the server
// serves one page for all of them.
import { signal } from "@preact/signals";

function parse() {
  const raw = window.location.hash.replace(/^#/, "") || "/";
  const [path, query = ""] = raw.split("?");
  return { path: path || "/", params: Object.fromEntries(new URLSearchParams(query)) };
}

export const route = signal(parse());
window.addEventListener("hashchange", () => {
  route.value = parse();
});

export function href(path, params = {}) {
  const query = new URLSearchParams(
    Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ""),
  ).toString();
  return `#${path}${query ? "?" + query : ""}`;
}

/** Goes to a page; `replace` keeps the browser history as it was (for filters and views). */
export function navigate(path, params = {}, { replace = false } = {}) {
  const target = href(path, params);
  if (replace) {
    history.replaceState(null, "", target);
    route.value = parse();
  } else {
    window.location.hash = target;
  }
}

/** Changes some of the current page's parameters, without a new history entry. A page
 * being left (the address already names another, whose hashchange has not arrived yet, say
 * the map settling after a link was followed) changes nothing: it would take the address
 * back. */
export function setParams(changes) {
  const current = parse();
  if (current.path !== route.value.path) return;
  navigate(current.path, { ...current.params, ...changes }, { replace: true });
}
