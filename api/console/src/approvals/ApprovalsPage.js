// The approvals area; its views arrive with the workflow.
import { html } from "../html.js";
import { t } from "../i18n.js";

export function ApprovalsPage() {
  return html`<div class="approvals-page"><h1>${t("approvals:title")}</h1></div>`;
}
