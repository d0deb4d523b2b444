// The console's small component library: every page is built from these.
import { html } from "../html.js";
import { t } from "../i18n.js";

export function Button({ kind = "secondary", type = "button", busy, disabled, children, ...rest }) {
  return html`<button
    type=${type}
    class=${`btn btn-${kind}`}
    disabled=${disabled || busy}
    aria-busy=${busy ? "true" : undefined}
    ...${rest}
  >
    ${children}
  </button>`;
}

export function Field({ label, hint, error, children, wide }) {
  return html`<label class=${`field${wide ? " field-wide" : ""}`}>
    <span class="field-label">${label}</span>
    ${children}
    ${hint && html`<span class="field-hint">${hint}</span>`}
    ${error && html`<span class="field-error" role="alert">${error}</span>`}
  </label>`;
}

export function Input({ value, onValue, ...rest }) {
  return html`<input
    class="input"
    value=${value ?? ""}
    onInput=${(e) => onValue?.(e.currentTarget.value)}
    ...${rest}
  />`;
}

export function TextArea({ value, onValue, ...rest }) {
  return html`<textarea
    class="input"
    value=${value ?? ""}
    onInput=${(e) => onValue?.(e.currentTarget.value)}
    ...${rest}
  ></textarea>`;
}

/** options: [{value, label}] */
export function Select({ value, onValue, options, placeholder, ...rest }) {
  return html`<select
    class="input"
    value=${value ?? ""}
    onChange=${(e) => onValue?.(e.currentTarget.value)}
    ...${rest}
  >
    ${placeholder !== undefined && html`<option value="">${placeholder}</option>`}
    ${options.map((o) => html`<option value=${o.value}>${o.label}</option>`)}
  </select>`;
}

export function Checkbox({ checked, onValue, label, ...rest }) {
  return html`<label class="checkbox">
    <input type="checkbox" checked=${!!checked} onChange=${(e) => onValue?.(e.currentTarget.checked)} ...${rest} />
    <span>${label}</span>
  </label>`;
}

export function Toolbar({ children }) {
  return html`<div class="toolbar">${children}</div>`;
}

export function Panel({ title, actions, children, class: cls = "" }) {
  return html`<section class=${`panel ${cls}`}>
    ${(title || actions) &&
    html`<header class="panel-head">
      <h2>${title}</h2>
      <div class="panel-actions">${actions}</div>
    </header>`}
    <div class="panel-body">${children}</div>
  </section>`;
}

export function Badge({ tone = "neutral", children }) {
  return html`<span class=${`badge badge-${tone}`}>${children}</span>`;
}

export const STATUSES = ["in_zone", "off_zone", "no_signal", "off_duty", "unknown"];

export function StatusBadge({ status }) {
  return html`<span class=${`badge status-${status}`}>${t(`status_${status}`)}</span>`;
}

export function Loading() {
  return html`<div class="loading" role="status">${t("loading")}</div>`;
}

export function ErrorBox({ error, onRetry }) {
  if (!error) return null;
  return html`<div class="error-box" role="alert">
    ${t("error", { message: error.message || String(error) })}
    ${onRetry && html` <${Button} onClick=${onRetry}>${t("retry")}<//>`}
  </div>`;
}

export function Empty({ children }) {
  return html`<div class="empty">${children ?? t("nothing")}</div>`;
}

/**
 * columns: [{key, label, render?(row), class?}]; rows: array; rowKey(row).
 * On a narrow screen each row becomes a card with the labels beside the values.
 */
export function Table({ columns, rows, rowKey = (r) => r.id, onRow, empty }) {
  if (!rows?.length) return html`<${Empty}>${empty}<//>`;
  return html`<div class="table-wrap">
    <table class="table">
      <thead>
        <tr>${columns.map((c) => html`<th class=${c.class}>${c.label}</th>`)}</tr>
      </thead>
      <tbody>
        ${rows.map(
          (row) => html`<tr
            key=${rowKey(row)}
            class=${onRow ? "clickable" : ""}
            onClick=${onRow ? () => onRow(row) : undefined}
          >
            ${columns.map(
              (c) => html`<td class=${c.class} data-label=${c.label}>
                ${c.render ? c.render(row) : row[c.key]}
              </td>`,
            )}
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function Tabs({ tabs, value, onValue }) {
  return html`<div class="tabs" role="tablist">
    ${tabs.map(
      (tab) => html`<button
        type="button"
        role="tab"
        aria-selected=${tab.value === value ? "true" : "false"}
        class=${`tab${tab.value === value ? " tab-active" : ""}`}
        onClick=${() => onValue(tab.value)}
      >
        ${tab.label}
      </button>`,
    )}
  </div>`;
}

export function Dialog({ title, onClose, children, actions }) {
  return html`<div class="dialog-backdrop" onClick=${(e) => e.target === e.currentTarget && onClose?.()}>
    <div class="dialog" role="dialog" aria-modal="true" aria-label=${title}>
      <header class="panel-head">
        <h2>${title}</h2>
        <${Button} kind="ghost" aria-label=${t("close")} onClick=${onClose}>✕<//>
      </header>
      <div class="dialog-body">${children}</div>
      ${actions && html`<footer class="dialog-actions">${actions}</footer>`}
    </div>
  </div>`;
}

/** Counts per key as a row of chips; clicking one selects it (again: all). */
export function Chips({ items, value, onValue }) {
  return html`<div class="chips">
    ${items.map(
      (item) => html`<button
        type="button"
        class=${`chip ${item.class ?? ""}${value === item.value ? " chip-active" : ""}`}
        aria-pressed=${value === item.value ? "true" : "false"}
        data-value=${item.value}
        onClick=${() => onValue(value === item.value ? "" : item.value)}
      >
        ${item.label} <b>${item.count}</b>
      </button>`,
    )}
  </div>`;
}
