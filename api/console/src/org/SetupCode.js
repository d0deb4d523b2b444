// What a device's registration (or a new setup code) hands out, shown once: for a tracker
// app a QR code and the same as a link, with what the rep does; the identifier and secret.
import QRCode from "qrcode";
import { useEffect, useState } from "preact/hooks";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { ingestUrl, setupLink } from "./setup.js";

function QrImage({ text, label }) {
  const [src, setSrc] = useState(null);
  const [failed, setFailed] = useState(null);
  useEffect(() => {
    let live = true;
    QRCode.toDataURL(text, { errorCorrectionLevel: "M", margin: 2, width: 280 }).then(
      (url) => live && setSrc(url),
      (e) => live && setFailed(e),
    );
    return () => {
      live = false;
    };
  }, [text]);
  if (failed) return html`<p class="error-box" role="alert">${t("org:qr_failed")}</p>`;
  return src ? html`<img class="setup-qr" src=${src} alt=${label} width="280" height="280" />` : null;
}

export function SetupCode({ issued, person }) {
  const link = setupLink(issued, person);
  const app = issued.protocol === "osmand" ? "traccar" : issued.protocol;
  return html`<div class="setup" data-protocol=${issued.protocol}>
    <p class="note setup-once" role="status">${t("org:shown_once")}</p>
    ${link &&
    html`<div class="setup-code">
      <${QrImage} text=${link} label=${t(`org:qr_label_${app}`)} />
      <div class="setup-steps">
        <h3>${t(`org:setup_title_${app}`)}</h3>
        <ol>
          <li>${t(`org:setup_install_${app}`)}</li>
          <li>${t(`org:setup_scan_${app}`)}</li>
          <li>${t(`org:setup_start_${app}`)}</li>
        </ol>
        <p class="muted">${t("org:setup_link_hint")}</p>
        <a class="btn btn-secondary setup-link" href=${link}>${t(`org:open_in_${app}`)}</a>
      </div>
    </div>`}
    <dl class="facts setup-facts">
      ${link &&
      html`<dt>${t("org:setup_link")}</dt>
        <dd><code class="setup-link-text">${link}</code></dd>`}
      ${issued.protocol !== "app" &&
      html`<dt>${t("org:server_address")}</dt>
        <dd><code>${ingestUrl(issued.protocol)}</code></dd>`}
      <dt>${t("org:identifier")}</dt>
      <dd><code class="setup-identifier">${issued.identifier}</code></dd>
      ${issued.protocol !== "osmand" &&
      html`<dt>${t("org:secret")}</dt>
        <dd><code class="setup-secret">${issued.secret}</code></dd>`}
    </dl>
  </div>`;
}
