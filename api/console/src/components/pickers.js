// Choosing an org unit (from the tree of the caller's scope) and a person (by search).
import { useEffect, useMemo, useState } from "preact/hooks";
import { allItems, api } from "../api.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { useLoad } from "./hooks.js";

let unitsOnce = null;
/** The units in the signed-in person's scope, loaded once per sign-in. */
export function scopeUnits() {
  unitsOnce ??= allItems("/api/v1/org-units").catch((e) => {
    unitsOnce = null;
    throw e;
  });
  return unitsOnce;
}
export function forgetScope() {
  unitsOnce = null;
}

/** Units as a tree in display order: [{unit, level}], roots of the scope first. */
export function unitTree(units) {
  const ids = new Set(units.map((u) => u.id));
  const children = new Map();
  for (const u of units) {
    const parent = ids.has(u.parent_id) ? u.parent_id : null;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(u);
  }
  for (const list of children.values()) list.sort((a, b) => a.name.localeCompare(b.name));
  const out = [];
  const walk = (parent, level) => {
    for (const u of children.get(parent) ?? []) {
      out.push({ unit: u, level });
      walk(u.id, level + 1);
    }
  };
  walk(null, 0);
  return out;
}

/** The rows of `unitTree` not hidden under a collapsed unit (a Set of unit ids). */
export function expandedRows(tree, collapsed) {
  const hidden = new Set();
  return tree.filter(({ unit }) => {
    if (hidden.has(unit.parent_id)) {
      hidden.add(unit.id);
      return false;
    }
    if (collapsed.has(unit.id)) hidden.add(unit.id);
    return true;
  });
}

export function UnitPicker({ value, onValue, allowAll = true, label }) {
  const { data: units } = useLoad(() => scopeUnits(), []);
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const [collapsed, setCollapsed] = useState(() => new Set());
  const tree = useMemo(() => unitTree(units ?? []), [units]);
  const chosen = units?.find((u) => u.id === value);
  const shown = useMemo(() => {
    if (query) {
      const q = query.toLowerCase();
      return tree.filter(({ unit }) => unit.name.toLowerCase().includes(q));
    }
    return expandedRows(tree, collapsed);
  }, [tree, query, collapsed]);
  const hasChildren = useMemo(() => new Set((units ?? []).map((u) => u.parent_id)), [units]);
  const choose = (id) => {
    onValue(id);
    setOpen(false);
    setQuery("");
  };
  const toggle = (id) => {
    const next = new Set(collapsed);
    next.has(id) ? next.delete(id) : next.add(id);
    setCollapsed(next);
  };
  return html`<div class="picker">
    <button
      type="button"
      class="input picker-button"
      aria-label=${label ?? t("org_unit")}
      aria-expanded=${open ? "true" : "false"}
      onClick=${() => setOpen(!open)}
    >
      ${chosen ? chosen.name : allowAll ? t("any_unit") : t("choose_unit")}
    </button>
    ${open &&
    html`<div class="picker-pop unit-tree" role="tree">
      <input
        class="input"
        placeholder=${t("search")}
        value=${query}
        onInput=${(e) => setQuery(e.currentTarget.value)}
        autofocus
      />
      ${allowAll &&
      html`<button type="button" class="tree-item" onClick=${() => choose("")}>${t("any_unit")}</button>`}
      ${shown.map(
        ({ unit, level }) => html`<div class="tree-row" style=${{ paddingLeft: `${level * 16}px` }} role="treeitem">
          ${hasChildren.has(unit.id) && !query
            ? html`<button type="button" class="tree-toggle" onClick=${() => toggle(unit.id)}>
                ${collapsed.has(unit.id) ? "▸" : "▾"}
              </button>`
            : html`<span class="tree-toggle"></span>`}
          <button
            type="button"
            class=${`tree-item${unit.id === value ? " tree-item-active" : ""}`}
            onClick=${() => choose(unit.id)}
          >
            ${unit.name}
          </button>
        </div>`,
      )}
    </div>`}
  </div>`;
}

/** A person in scope, found by name, login, code or phone. */
export function StaffPicker({ value, onValue, label, query: filters = {} }) {
  const [text, setText] = useState("");
  const [open, setOpen] = useState(false);
  const [found, setFound] = useState([]);
  const [name, setName] = useState("");
  useEffect(() => {
    if (!value) return setName("");
    if (found.some((s) => s.id === value)) return undefined;
    api(`/api/v1/staff/${value}`).then((s) => setName(s.name), () => setName(""));
    return undefined;
  }, [value]);
  useEffect(() => {
    if (!open) return undefined;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api("/api/v1/staff", { query: { q: text || undefined, limit: 20, active: true, ...filters }, signal: controller.signal })
        .then((page) => setFound(page.items), () => {});
    }, 200);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [text, open]);
  return html`<div class="picker">
    <input
      class="input"
      role="combobox"
      aria-label=${label ?? t("person")}
      aria-expanded=${open ? "true" : "false"}
      placeholder=${t("choose_person")}
      value=${open ? text : name}
      onFocus=${() => setOpen(true)}
      onBlur=${() => setTimeout(() => setOpen(false), 200)}
      onInput=${(e) => setText(e.currentTarget.value)}
    />
    ${open &&
    html`<div class="picker-pop" role="listbox">
      ${found.map(
        (s) => html`<button
          type="button"
          role="option"
          class="tree-item"
          onMouseDown=${(e) => e.preventDefault()}
          onClick=${() => {
            setName(s.name);
            onValue(s.id, s);
            setOpen(false);
          }}
        >
          ${s.name} <small>${s.login}</small>
        </button>`,
      )}
    </div>`}
  </div>`;
}
