import { html } from "../html.js";
import { lang, LANGUAGES, setLang, t } from "../i18n.js";

export function LanguageSwitch() {
  return html`<div class="lang-switch" role="group" aria-label=${t("language")}>
    ${LANGUAGES.map(
      (l) => html`<button
        type="button"
        class=${`lang${lang.value === l ? " lang-active" : ""}`}
        aria-pressed=${lang.value === l ? "true" : "false"}
        data-lang=${l}
        onClick=${() => setLang(l)}
      >
        ${t(`lang_${l}`)}
      </button>`,
    )}
  </div>`;
}
