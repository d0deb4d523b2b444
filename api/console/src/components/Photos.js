// Photos kept as attachments: thumbnails read through the API (it wants the bearer token,
// so an <img> cannot ask for them itself), each opening the full picture in a new tab.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.js";
import { html } from "../html.js";
import { t } from "../i18n.js";

function useObjectUrl(path) {
  const [url, setUrl] = useState(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let made = null;
    let live = true;
    api(path, { as: "blob" }).then(
      (blob) => {
        made = URL.createObjectURL(blob);
        if (live) setUrl(made);
      },
      () => live && setFailed(true),
    );
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [path]);
  return { url, failed };
}

async function openFull(id) {
  const blob = await api(`/api/v1/attachments/${id}/content`, { as: "blob" });
  const url = URL.createObjectURL(blob);
  window.open(url, "_blank", "noopener");
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function Photo({ id, label }) {
  const { url, failed } = useObjectUrl(`/api/v1/attachments/${id}/thumbnail`);
  if (failed) return html`<span class="photo photo-missing">${t("photo_unavailable")}</span>`;
  return html`<button type="button" class="photo" data-id=${id} aria-label=${label ?? t("photo_open")} onClick=${() => openFull(id)}>
    ${url ? html`<img src=${url} alt=${label ?? ""} />` : html`<span class="photo-loading"></span>`}
  </button>`;
}

/** `ids`: attachment ids, shown as a row of thumbnails (nothing when there are none). */
export function Photos({ ids, label }) {
  if (!ids?.length) return null;
  return html`<div class="photos" aria-label=${label ?? t("photos")}>
    ${ids.map((id) => html`<${Photo} key=${id} id=${id} />`)}
  </div>`;
}
