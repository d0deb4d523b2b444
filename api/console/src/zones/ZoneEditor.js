// One zone's form: name, kind, code, owning unit, thresholds; saving sends the shape drawn
// or edited on the map (already WGS-84). Below it, whom the zone is assigned to.
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { Button, Dialog, ErrorBox, Field, Input, Select } from "../components/basic.js";
import { useAction, useLoad } from "../components/hooks.js";
import { UnitPicker } from "../components/pickers.js";
import { html } from "../html.js";
import { formatNumber, t } from "../i18n.js";
import { Assignments } from "./Assignments.js";
import { KINDS, THRESHOLDS, fieldErrors, formatArea, tenantSettings } from "./shapes.js";

function initial(zone) {
  const p = zone?.properties ?? {};
  return {
    name: p.name ?? "",
    kind: p.kind ?? "work_area",
    code: p.code ?? "",
    org_unit_id: p.org_unit_id ?? "",
    settings: Object.fromEntries(THRESHOLDS.map(({ key }) => [key, p.settings?.[key] ?? ""])),
  };
}

function overrides(settings) {
  const out = {};
  for (const { key } of THRESHOLDS) {
    const v = settings[key];
    if (v !== "" && v !== null && v !== undefined) out[key] = Number(v);
  }
  return out;
}

/** `zone`: the saved Feature, or null for a new one; `shape`: {geometry, radius_m}. */
export function ZoneEditor({ zone, shape, shapeChanged, onSaved, onDeleted, onClose }) {
  const [form, setForm] = useState(() => initial(zone));
  const [confirm, setConfirm] = useState(false);
  const save = useAction();
  const remove = useAction();
  const tenant = useLoad(() => tenantSettings(), []);
  const set = (key) => (value) => setForm((f) => ({ ...f, [key]: value }));
  const setThreshold = (key) => (value) => setForm((f) => ({ ...f, settings: { ...f.settings, [key]: value } }));
  const errors = fieldErrors(save.error, { invalid_settings: "settings" });
  const radius = shape?.radius_m;

  const submit = (e) => {
    e.preventDefault();
    save.run(async () => {
      const fields = {
        name: form.name.trim(),
        kind: form.kind,
        code: form.code.trim() || null,
        settings: overrides(form.settings),
        ...(form.org_unit_id ? { org_unit_id: form.org_unit_id } : {}),
      };
      const radiusOf = shape.geometry.type === "Point" ? { radius_m: shape.radius_m } : {};
      const saved = zone
        ? await api(`/api/v1/zones/${zone.id}`, {
            method: "PATCH",
            body: { ...fields, ...(shapeChanged ? { geometry: shape.geometry, ...radiusOf } : {}) },
          })
        : await api("/api/v1/zones", {
            method: "POST",
            body: { type: "Feature", geometry: shape.geometry, properties: { ...fields, ...radiusOf } },
          });
      onSaved(saved);
    });
  };
  const destroy = () =>
    remove.run(async () => {
      await api(`/api/v1/zones/${zone.id}`, { method: "DELETE" });
      setConfirm(false);
      onDeleted(zone.id);
    });

  return html`<div class="zone-editor">
    <form class="zone-form" onSubmit=${submit} aria-label=${t("zones:zone")}>
      <header class="panel-head">
        <h2>${zone ? zone.properties.name : t("zones:new_zone")}</h2>
        <${Button} kind="ghost" aria-label=${t("close")} onClick=${onClose}>✕<//>
      </header>
      <div class="zone-form-body">
        <p class="muted zone-shape-note">
          ${shape?.geometry.type === "Point"
            ? t("zones:circle_of", { r: formatNumber(radius, 1) })
            : t("zones:polygon_of", { n: vertexCount(shape?.geometry) })}
          ${zone && !shapeChanged ? ` · ${formatArea(zone.properties.area_m2)}` : ""}
          ${shapeChanged ? html` · <b>${t("zones:shape_changed")}</b>` : ""}
        </p>
        <p class="field-hint">${t("zones:edit_hint")}</p>
        <${Field} label=${t("zones:name")} error=${errors.name}>
          <${Input} name="name" value=${form.name} onValue=${set("name")} required maxlength="200" />
        <//>
        <${Field} label=${t("zones:kind")} error=${errors.kind}>
          <${Select}
            name="kind"
            value=${form.kind}
            onValue=${set("kind")}
            options=${KINDS.map((k) => ({ value: k, label: t(`zones:kind_${k}`) }))}
          />
        <//>
        <${Field} label=${t("zones:code")} hint=${t("zones:code_hint")} error=${errors.code}>
          <${Input} name="code" value=${form.code} onValue=${set("code")} maxlength="100" />
        <//>
        <div class="field">
          <span class="field-label">${t("zones:owner")}</span>
          <${UnitPicker} value=${form.org_unit_id} onValue=${set("org_unit_id")} allowAll=${false} label=${t("zones:owner")} />
          ${!zone && html`<span class="field-hint">${t("zones:owner_hint")}</span>`}
        </div>
        <fieldset class="zone-thresholds">
          <legend>${t("zones:thresholds")}</legend>
          <p class="field-hint">${t("zones:thresholds_hint")}</p>
          ${THRESHOLDS.map(
            ({ key, unit, min, max, step }) => html`<${Field}
              label=${t(`zones:th_${key}`)}
              hint=${unit ? t(`zones:unit_${unit}`) : ""}
              error=${errors[`settings.${key}`]}
            >
              <${Input}
                name=${key}
                type="number"
                inputmode="decimal"
                min=${min}
                max=${max}
                step=${step}
                placeholder=${tenant.data ? String(tenant.data.settings[key]) : ""}
                value=${form.settings[key]}
                onValue=${setThreshold(key)}
              />
            <//>`,
          )}
        </fieldset>
        <${ErrorBox} error=${save.error} />
        <div class="zone-form-actions">
          <${Button} kind="primary" type="submit" busy=${save.busy} disabled=${!shape}>${t("save")}<//>
          <${Button} onClick=${onClose}>${t("cancel")}<//>
          ${zone && html`<${Button} kind="danger" onClick=${() => setConfirm(true)}>${t("delete")}<//>`}
        </div>
      </div>
    </form>
    ${zone && html`<${Assignments} zoneId=${zone.id} />`}
    ${confirm &&
    html`<${Dialog}
      title=${t("confirm_delete", { name: zone.properties.name })}
      onClose=${() => setConfirm(false)}
      actions=${html`<${Button} onClick=${() => setConfirm(false)}>${t("cancel")}<//>
        <${Button} kind="danger" busy=${remove.busy} onClick=${destroy}>${t("delete")}<//>`}
    >
      <p>${t("zones:delete_note")}</p>
      <${ErrorBox} error=${remove.error} />
    <//>`}
  </div>`;
}

function vertexCount(geometry) {
  if (!geometry || geometry.type === "Point") return 0;
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  return polygons.reduce((n, p) => n + p.reduce((m, ring) => m + ring.length - 1, 0), 0);
}
