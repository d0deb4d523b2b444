// Who is signed in. The API decides what they may see; the console only asks.
import { signal, effect } from "@preact/signals";
import { api, setToken, token } from "./api.js";
import { forgetScope } from "./components/pickers.js";

const TENANT_KEY = "fieldforce.tenant";

/** The signed-in person (GET /api/v1/me), or null. */
export const me = signal(null);

export const rememberedTenant = () => localStorage.getItem(TENANT_KEY) ?? "";

/** Signs in with the token endpoint; a username may be written "tenant/login". */
export async function signIn({ tenant, username, password }) {
  const form = { username: username.trim(), password };
  if (tenant && !form.username.includes("/")) form.tenant = tenant.trim();
  const answer = await api("/api/v1/auth/token", { method: "POST", form });
  localStorage.setItem(TENANT_KEY, tenant?.trim() ?? ""); // which organisation, not a secret
  setToken(answer.access_token);
  await loadMe();
}

export async function loadMe() {
  me.value = await api("/api/v1/me");
  return me.value;
}

export function signOut() {
  setToken(null);
}

effect(() => {
  if (!token.value) {
    me.value = null;
    forgetScope();
  }
});

export const hasRole = (...roles) => !!me.value?.roles.some((r) => roles.includes(r));
/** People who direct others: they see the map, zones and alerts of their scope. */
export const directs = () => hasRole("admin", "manager", "supervisor");
