// The leave area; its views arrive with the workflow.
import { html } from "../html.js";
import { t } from "../i18n.js";

export function LeavePage() {
  return html`<div class="leave-page"><h1>${t("leave:title")}</h1></div>`;
}
