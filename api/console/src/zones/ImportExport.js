// GeoJSON in and out: a FeatureCollection file is sent to the import (all or nothing; the
// API names every feature that failed), and every zone in scope is downloaded.
import { useRef, useState } from "preact/hooks";
import { ApiError, api, download } from "../api.js";
import { Button, Dialog, ErrorBox, Table } from "../components/basic.js";
import { useAction } from "../components/hooks.js";
import { html } from "../html.js";
import { t } from "../i18n.js";

/** One failing feature: the import's own entries, or a validation error's (by its loc). */
function failure(d) {
  if (!Array.isArray(d.loc)) return d;
  const at = d.loc.indexOf("features");
  const index = at >= 0 && Number.isInteger(d.loc[at + 1]) ? d.loc[at + 1] : null;
  return { index, code: d.type, message: `${d.loc.slice(at + 2).join(".")}: ${d.msg}` };
}

export function ImportExport({ kind, onImported }) {
  const picker = useRef(null);
  const [result, setResult] = useState(null); // {file, created, updated} | {file, failures, error}
  const importing = useAction();
  const exporting = useAction();

  const chosen = (e) => {
    const file = e.currentTarget.files?.[0];
    e.currentTarget.value = "";
    if (!file) return;
    importing.run(async () => {
      let body;
      try {
        body = JSON.parse(await file.text());
      } catch {
        setResult({ file: file.name, error: t("zones:import_not_json"), failures: [] });
        return;
      }
      try {
        const answer = await api("/api/v1/zones/import", { method: "POST", body });
        setResult({ file: file.name, ...answer });
        onImported();
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 422) throw error;
        const failures = (Array.isArray(error.details) ? error.details : []).map(failure);
        setResult({ file: file.name, error: error.message, failures });
      }
    });
  };

  return html`<div class="import-export">
    <input
      ref=${picker}
      type="file"
      accept=".geojson,.json,application/geo+json,application/json"
      class="visually-hidden"
      tabindex="-1"
      aria-hidden="true"
      aria-label=${t("zones:import_file")}
      onChange=${chosen}
    />
    <${Button} busy=${importing.busy} onClick=${() => picker.current.click()}>${t("zones:import")}<//>
    <${Button}
      busy=${exporting.busy}
      onClick=${() => exporting.run(() => download("/api/v1/zones/export", { kind }, "zones.geojson"))}
    >
      ${t("zones:export")}
    <//>
    <${ErrorBox} error=${importing.error || exporting.error} />
    ${result &&
    html`<${Dialog}
      title=${t("zones:import_result", { file: result.file })}
      onClose=${() => setResult(null)}
      actions=${html`<${Button} kind="primary" onClick=${() => setResult(null)}>${t("close")}<//>`}
    >
      ${result.error
        ? html`<div class="error-box" role="alert">${t("zones:import_failed", { message: result.error })}</div>
            ${result.failures.length > 0 &&
            html`<${Table}
              rowKey=${(f) => `${f.index}-${f.code ?? ""}`}
              rows=${result.failures}
              columns=${[
                { key: "index", label: t("zones:import_row"), class: "num", render: (f) => (f.index === null || f.index === undefined ? "" : f.index + 1) },
                { key: "name", label: t("zones:name"), render: (f) => f.name ?? "" },
                { key: "code", label: t("zones:import_code"), render: (f) => f.code ?? "" },
                { key: "message", label: t("zones:import_message") },
              ]}
            />`}`
        : html`<p class="import-ok" role="status">
            ${t("zones:import_done", { created: result.created, updated: result.updated })}
          </p>`}
    <//>`}
  </div>`;
}
