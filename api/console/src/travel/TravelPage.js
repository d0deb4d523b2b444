// The travel area; its views arrive with the workflow.
import { html } from "../html.js";
import { t } from "../i18n.js";

export function TravelPage() {
  return html`<div class="travel-page"><h1>${t("travel:title")}</h1></div>`;
}
