// Being built: see the console issue.
import { html } from "../html.js";
import { t } from "../i18n.js";

export function OrgPage() {
  return html`<div class="empty">${t("not_found")}</div>`;
}
