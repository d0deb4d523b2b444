// 差旅报销: claims (one's own; in scope for those who direct or pay), a new claim, and a
// claim's page with its GPS verification on a map (the `claim` parameter).
import { useLoad } from "../components/hooks.js";
import { api } from "../api.js";
import { html } from "../html.js";
import { route } from "../router.js";
import { Claim } from "./Claim.js";
import { Claims } from "./Claims.js";
import { NewClaim } from "./NewClaim.js";
import "./travel.css";

export function TravelPage() {
  const { claim = "", create = "" } = route.value.params;
  const tenant = useLoad(() => api("/api/v1/tenant").catch(() => null), []);
  const currency = tenant.data?.settings?.travel_currency ?? "CNY";
  return html`<div class="travel-page">
    ${claim ? html`<${Claim} key=${claim} id=${claim} />` : create ? html`<${NewClaim} currency=${currency} />` : html`<${Claims} />`}
  </div>`;
}
