// Whom a zone is assigned to: org units (everyone in their subtree) or people, each with
// optional first and last dates (inclusive, in the tenant's time zone).
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { Badge, Button, ErrorBox, Field, Input, Select, Table } from "../components/basic.js";
import { useAction, useLoad } from "../components/hooks.js";
import { StaffPicker, UnitPicker, scopeUnits } from "../components/pickers.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { fieldErrors } from "./shapes.js";

/** A person's name, asked of the API once per id. */
const names = new Map();
export function StaffName({ id }) {
  const { data } = useLoad(() => {
    if (!names.has(id)) names.set(id, api(`/api/v1/staff/${id}`).then((s) => s.name, () => id));
    return names.get(id);
  }, [id]);
  return data ?? "…";
}

export function UnitName({ id }) {
  const { data: units } = useLoad(() => scopeUnits(), []);
  return units?.find((u) => u.id === id)?.name ?? "…";
}

export function Assignments({ zoneId }) {
  const list = useLoad(() => api(`/api/v1/zones/${zoneId}/assignments`), [zoneId]);
  const [form, setForm] = useState({ target: "org_unit", unit: "", staff: "", from: "", to: "" });
  const add = useAction();
  const remove = useAction();
  const set = (key) => (value) => setForm((f) => ({ ...f, [key]: value }));
  const errors = fieldErrors(add.error);
  const chosen = form.target === "org_unit" ? form.unit : form.staff;

  const submit = (e) => {
    e.preventDefault();
    add.run(async () => {
      await api(`/api/v1/zones/${zoneId}/assignments`, {
        method: "POST",
        body: {
          ...(form.target === "org_unit" ? { org_unit_id: form.unit } : { staff_id: form.staff }),
          valid_from: form.from || null,
          valid_to: form.to || null,
        },
      });
      setForm((f) => ({ ...f, from: "", to: "" }));
      list.reload();
    });
  };
  const unassign = (a) =>
    remove.run(async () => {
      await api(`/api/v1/zones/${zoneId}/assignments/${a.id}`, { method: "DELETE" });
      list.reload();
    });

  return html`<section class="zone-assignments" aria-label=${t("zones:assignments")}>
    <h3>${t("zones:assignments")}</h3>
    <${ErrorBox} error=${list.error} onRetry=${list.reload} />
    <${Table}
      rows=${list.data?.items ?? []}
      empty=${list.loading ? t("loading") : t("zones:no_assignments")}
      columns=${[
        {
          key: "target",
          label: t("zones:assigned_to"),
          render: (a) =>
            a.staff_id
              ? html`<span class="assignment-target"><${Badge}>${t("zones:target_person")}<//> <${StaffName} id=${a.staff_id} /></span>`
              : html`<span class="assignment-target"><${Badge}>${t("zones:target_unit")}<//> <${UnitName} id=${a.org_unit_id} /></span>`,
        },
        { key: "valid_from", label: t("zones:valid_from"), render: (a) => a.valid_from ?? t("zones:open_date") },
        { key: "valid_to", label: t("zones:valid_to"), render: (a) => a.valid_to ?? t("zones:open_date") },
        {
          key: "actions",
          label: "",
          render: (a) => html`<${Button} kind="ghost" busy=${remove.busy} onClick=${() => unassign(a)}>
            ${t("zones:unassign")}
          <//>`,
        },
      ]}
    />
    <${ErrorBox} error=${remove.error} />
    <form class="assignment-form" onSubmit=${submit} aria-label=${t("zones:add_assignment")}>
      <${Field} label=${t("zones:assign_to")}>
        <${Select}
          name="target"
          value=${form.target}
          onValue=${set("target")}
          options=${[
            { value: "org_unit", label: t("zones:target_unit") },
            { value: "staff", label: t("zones:target_person") },
          ]}
        />
      <//>
      <div class="field">
        <span class="field-label">${form.target === "org_unit" ? t("org_unit") : t("person")}</span>
        ${form.target === "org_unit"
          ? html`<${UnitPicker} value=${form.unit} onValue=${set("unit")} allowAll=${false} />`
          : html`<${StaffPicker} value=${form.staff} onValue=${set("staff")} />`}
      </div>
      <${Field} label=${t("zones:valid_from")} error=${errors.valid_from}>
        <${Input} name="valid_from" type="date" value=${form.from} onValue=${set("from")} />
      <//>
      <${Field} label=${t("zones:valid_to")} error=${errors.valid_to}>
        <${Input} name="valid_to" type="date" value=${form.to} onValue=${set("to")} />
      <//>
      <${Button} kind="primary" type="submit" busy=${add.busy} disabled=${!chosen}>${t("zones:assign")}<//>
    </form>
    <${ErrorBox} error=${add.error} />
  </section>`;
}
