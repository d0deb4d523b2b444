// The one fetch helper: every call to the API goes through here, with the signed-in
// person's token; errors arrive as ApiError with the API's stable code.
import { signal } from "@preact/signals";

const TOKEN_KEY = "fieldforce.token";

/** The bearer token: in sessionStorage (this tab only, gone with it), never localStorage. */
export const token = signal(sessionStorage.getItem(TOKEN_KEY));

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
  token.value = value;
}

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

function urlFor(path, query) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === "") continue;
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, v);
  }
  return url;
}

async function failure(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    /* not JSON: keep the status text */
  }
  const error = body?.error;
  if (error) return new ApiError(response.status, error.code, error.message, error.details);
  const detail = Array.isArray(body?.detail) ? body.detail.map((d) => d.msg).join("; ") : null;
  return new ApiError(response.status, "http_" + response.status, detail || response.statusText);
}

/**
 * Calls the API. `body` is sent as JSON, `form` as a form, `raw` (FormData: a file upload)
 * as it is; `as` chooses what comes back: "json" (default), "text", "blob" or "response".
 */
export async function api(path, { method = "GET", query, body, form, raw, as = "json", signal: abort } = {}) {
  const headers = { Accept: "application/json" };
  if (token.value) headers.Authorization = `Bearer ${token.value}`;
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  } else if (form !== undefined) {
    payload = new URLSearchParams(form);
  } else if (raw !== undefined) {
    payload = raw; // the browser sets the multipart boundary
  }
  const response = await fetch(urlFor(path, query), { method, headers, body: payload, signal: abort });
  if (response.status === 401 && token.value) setToken(null); // expired or revoked: sign in again
  if (!response.ok) throw await failure(response);
  if (as === "response") return response;
  if (response.status === 204) return null;
  if (as === "text") return response.text();
  if (as === "blob") return response.blob();
  return response.json();
}

/** Every item of a paged list ({"items", "next_cursor"}), following the cursor. */
export async function allItems(path, query = {}, { limit = 200, max = 5000 } = {}) {
  const items = [];
  let cursor = null;
  do {
    const page = await api(path, { query: { ...query, limit, cursor } });
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

/** Saves what a download endpoint answers under `filename`. */
export async function download(path, query, filename) {
  const blob = await api(path, { query, as: "blob" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
