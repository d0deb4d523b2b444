// The org tree of the caller's scope: expand and collapse, a unit's details, and (where the
// API allows) a child unit created, the unit renamed, moved or deleted.
import { useMemo, useState } from "preact/hooks";
import { allItems, api } from "../api.js";
import { Badge, Button, Dialog, ErrorBox, Field, Input, Loading, Panel, Select } from "../components/basic.js";
import { useAction, useLoad } from "../components/hooks.js";
import { expandedRows, forgetScope, UnitPicker, unitTree } from "../components/pickers.js";
import { html } from "../html.js";
import { formatTime, t } from "../i18n.js";
import { href, route, setParams } from "../router.js";
import { canChangeUnit, managesStaff, UNIT_KINDS } from "./access.js";

const kindOptions = () => UNIT_KINDS.map((k) => ({ value: k, label: t(`org:kind_${k}`) }));

export function UnitTree() {
  const selected = route.value.params.unit ?? "";
  const units = useLoad(() => allItems("/api/v1/org-units"), []);
  const [collapsed, setCollapsed] = useState(() => new Set());
  const list = units.data ?? [];
  const tree = useMemo(() => unitTree(list), [list]);
  const parents = useMemo(() => new Set(list.map((u) => u.parent_id)), [list]);
  const shown = useMemo(() => expandedRows(tree, collapsed), [tree, collapsed]);
  const toggle = (id) => {
    const next = new Set(collapsed);
    next.has(id) ? next.delete(id) : next.add(id);
    setCollapsed(next);
  };
  const changed = (unitId) => {
    forgetScope(); // the pickers load the tree again
    units.reload();
    setParams({ unit: unitId ?? "" });
  };
  const unit = list.find((u) => u.id === selected);
  return html`<div class="org-split">
    <${Panel}
      class="org-tree-panel"
      title=${t("org:tree_title", { count: list.length })}
      actions=${html`<${Button} kind="ghost" onClick=${() => setCollapsed(new Set())}>${t("org:expand_all")}<//>
        <${Button} kind="ghost" onClick=${() => setCollapsed(new Set(parents))}>${t("org:collapse_all")}<//>`}
    >
      ${units.loading && !units.data && html`<${Loading} />`}
      <${ErrorBox} error=${units.error} onRetry=${units.reload} />
      <div class="org-tree" role="tree" aria-label=${t("org:tree_title", { count: list.length })}>
        ${shown.map(
          ({ unit: u, level }) => html`<div
            key=${u.id}
            class=${`org-tree-row${u.id === selected ? " org-tree-row-active" : ""}`}
            role="treeitem"
            aria-level=${level + 1}
            aria-expanded=${parents.has(u.id) ? String(!collapsed.has(u.id)) : undefined}
            aria-selected=${u.id === selected ? "true" : "false"}
            data-unit=${u.id}
            style=${{ paddingLeft: `${level * 18}px` }}
          >
            ${parents.has(u.id)
              ? html`<button
                  type="button"
                  class="tree-toggle"
                  aria-label=${collapsed.has(u.id) ? t("org:expand") : t("org:collapse")}
                  onClick=${() => toggle(u.id)}
                >
                  ${collapsed.has(u.id) ? "▸" : "▾"}
                </button>`
              : html`<span class="tree-toggle"></span>`}
            <button type="button" class="tree-item org-tree-name" onClick=${() => setParams({ unit: u.id })}>
              <span class="org-unit-name">${u.name}</span>
              <${Badge}>${t(`org:kind_${u.kind}`)}<//>
              ${u.code && html`<small class="org-unit-code">${u.code}</small>`}
            </button>
          </div>`,
        )}
      </div>
    <//>
    ${unit
      ? html`<${UnitPanel} key=${unit.id} unit=${unit} units=${list} onChanged=${changed} />`
      : html`<${Panel} class="org-side org-side-hint"><p class="muted">${t("org:choose_unit_hint")}</p><//>`}
  </div>`;
}

function UnitPanel({ unit, units, onChanged }) {
  const [mode, setMode] = useState(null); // add | edit | move | delete
  const parent = units.find((u) => u.id === unit.parent_id);
  const changeable = canChangeUnit(unit);
  return html`<${Panel}
    class="org-side"
    title=${unit.name}
    actions=${html`<a class="btn btn-ghost" href=${href("/org", { tab: "staff", unit: unit.id })}>${t("org:unit_staff")}</a>`}
  >
    <dl class="facts">
      <dt>${t("org:kind")}</dt><dd>${t(`org:kind_${unit.kind}`)}</dd>
      <dt>${t("org:code")}</dt><dd>${unit.code ?? "–"}</dd>
      <dt>${t("org:parent")}</dt><dd>${parent?.name ?? "–"}</dd>
      <dt>${t("org:depth")}</dt><dd>${unit.depth}</dd>
      <dt>${t("org:updated")}</dt><dd>${formatTime(unit.updated_at)}</dd>
    </dl>
    <div class="panel-actions wrap">
      ${managesStaff() && html`<${Button} kind="primary" onClick=${() => setMode("add")}>${t("org:add_child")}<//>`}
      ${changeable &&
      html`<${Button} onClick=${() => setMode("edit")}>${t("org:rename")}<//>
        <${Button} onClick=${() => setMode("move")}>${t("org:move")}<//>
        <${Button} kind="danger" onClick=${() => setMode("delete")}>${t("delete")}<//>`}
    </div>
    ${mode === "add" && html`<${UnitForm} parent=${unit} onClose=${() => setMode(null)} onDone=${onChanged} />`}
    ${mode === "edit" && html`<${UnitForm} unit=${unit} onClose=${() => setMode(null)} onDone=${onChanged} />`}
    ${mode === "move" && html`<${MoveDialog} unit=${unit} onClose=${() => setMode(null)} onDone=${onChanged} />`}
    ${mode === "delete" &&
    html`<${DeleteDialog} unit=${unit} onClose=${() => setMode(null)} onDone=${() => onChanged(unit.parent_id)} />`}
  <//>`;
}

/** A new child of `parent`, or `unit`'s name, kind and code changed. */
function UnitForm({ parent, unit, onClose, onDone }) {
  const [name, setName] = useState(unit?.name ?? "");
  const [kind, setKind] = useState(unit?.kind ?? "team");
  const [code, setCode] = useState(unit?.code ?? "");
  const action = useAction();
  const submit = (e) => {
    e.preventDefault();
    action.run(async () => {
      const saved = unit
        ? await api(`/api/v1/org-units/${unit.id}`, {
            method: "PATCH",
            body: { name, kind, code: code.trim() || null },
          })
        : await api("/api/v1/org-units", {
            method: "POST",
            body: { name, kind, parent_id: parent.id, code: code.trim() || undefined },
          });
      onClose();
      onDone(saved.id);
    });
  };
  const title = unit ? t("org:rename_title", { name: unit.name }) : t("org:add_child_title", { name: parent.name });
  return html`<${Dialog} title=${title} onClose=${onClose}>
    <form class="form org-form" onSubmit=${submit}>
      <${Field} label=${t("org:unit_name")}><${Input} name="unit-name" required maxlength="200" value=${name} onValue=${setName} /><//>
      <${Field} label=${t("org:kind")}><${Select} name="unit-kind" value=${kind} onValue=${setKind} options=${kindOptions()} /><//>
      <${Field} label=${t("org:code")} hint=${t("org:code_hint")}><${Input} name="unit-code" maxlength="64" value=${code} onValue=${setCode} /><//>
      <${ErrorBox} error=${action.error} />
      <div class="dialog-buttons field-wide">
        <${Button} kind="primary" type="submit" busy=${action.busy}>${unit ? t("save") : t("create")}<//>
        <${Button} onClick=${onClose}>${t("cancel")}<//>
      </div>
    </form>
  <//>`;
}

function MoveDialog({ unit, onClose, onDone }) {
  const [target, setTarget] = useState("");
  const action = useAction();
  const move = () =>
    action.run(async () => {
      await api(`/api/v1/org-units/${unit.id}/move`, { method: "POST", body: { parent_id: target } });
      onClose();
      onDone(unit.id);
    });
  return html`<${Dialog}
    title=${t("org:move_title", { name: unit.name })}
    onClose=${onClose}
    actions=${html`<${Button} kind="primary" disabled=${!target} busy=${action.busy} onClick=${move}>${t("org:move")}<//>
      <${Button} onClick=${onClose}>${t("cancel")}<//>`}
  >
    <${Field} label=${t("org:new_parent")} hint=${t("org:move_hint")}>
      <${UnitPicker} value=${target} onValue=${setTarget} allowAll=${false} label=${t("org:new_parent")} />
    <//>
    <${ErrorBox} error=${action.error} />
  <//>`;
}

function DeleteDialog({ unit, onClose, onDone }) {
  const action = useAction();
  const remove = () =>
    action.run(async () => {
      await api(`/api/v1/org-units/${unit.id}`, { method: "DELETE" });
      onClose();
      onDone();
    });
  return html`<${Dialog}
    title=${t("confirm_delete", { name: unit.name })}
    onClose=${onClose}
    actions=${html`<${Button} kind="danger" busy=${action.busy} onClick=${remove}>${t("delete")}<//>
      <${Button} onClick=${onClose}>${t("cancel")}<//>`}
  >
    <p>${t("org:delete_hint")}</p>
    <${ErrorBox} error=${action.error} />
  <//>`;
}
