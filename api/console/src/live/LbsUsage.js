// For administrators of a tenant with an operator LBS gateway: today's questions against
// the daily quota, and how many people consented (nothing when there is no gateway).
import { api } from "../api.js";
import { hasRole } from "../auth.js";
import { Badge } from "../components/basic.js";
import { useLoad } from "../components/hooks.js";
import { html } from "../html.js";
import { t } from "../i18n.js";

export function LbsUsage() {
  const admin = hasRole("admin");
  const { data } = useLoad(() => (admin ? api("/api/v1/tenant/lbs-usage") : null), [admin]);
  if (!data?.quota) return null;
  const tone = data.used >= data.quota ? "danger" : data.used >= data.quota * 0.8 ? "warn" : "neutral";
  return html`<span class="lbs-usage" data-used=${data.used} data-quota=${data.quota}>
    <${Badge} tone=${tone}>${t("live:lbs_usage", { used: data.used, quota: data.quota, consenting: data.consenting })}<//>
  </span>`;
}
