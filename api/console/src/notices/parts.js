// Small pieces the inbox, notices and tasks views share.
import { Button, ErrorBox, Loading, Panel, Table } from "../components/basic.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { route, setParams } from "../router.js";

/** "Load more" under a paged list while the API has more. */
export function MoreButton({ list }) {
  if (!list.hasMore) return null;
  return html`<div class="more-row"><${Button} busy=${list.loading} onClick=${list.loadMore}>${t("more")}<//></div>`;
}

/** A removable chip for something chosen (a unit, a person). */
export function ChosenChip({ label, onRemove }) {
  return html`<span class="chosen">
    ${label}
    <button type="button" class="chosen-remove" aria-label=${t("notices:remove", { name: label })} onClick=${onRemove}>✕</button>
  </span>`;
}

/** A list with, when something is open or being written, a side pane (the whole screen on a phone). */
export function SplitView({ list, side }) {
  return html`<div class=${`split${side ? " split-detail" : ""}`}>
    <div class="split-list">${list}</div>
    ${side && html`<div class="split-side">${side}</div>`}
  </div>`;
}

/** A paged list (usePaged) as a table: its error, the first load, the rows, "load more". */
export function PagedTable({ list, columns, onRow, empty }) {
  return html`<${ErrorBox} error=${list.error} onRetry=${list.reload} />
    ${list.loading && !list.items.length
      ? html`<${Loading} />`
      : html`<${Table} columns=${columns} rows=${list.items} onRow=${onRow} empty=${empty} />`}
    <${MoreButton} list=${list} />`;
}

export function CloseButton({ onClick }) {
  return html`<${Button} kind="ghost" aria-label=${t("close")} onClick=${onClick}>✕<//>`;
}

/** A form's problem (said before asking the API), the API's error, and its buttons. */
export function FormEnd({ problem, action, submit, onCancel }) {
  return html`${problem && html`<div class="error-box" role="alert">${problem}</div>`}
    <${ErrorBox} error=${action.error} />
    <div class="panel-actions">
      <${Button} kind="primary" type="submit" busy=${action.busy}>${submit}<//>
      <${Button} kind="ghost" onClick=${onCancel}>${t("cancel")}<//>
    </div>`;
}

/**
 * A paged list whose rows open in a side pane (the `open` URL parameter, cleared with
 * `reset`), and a form making a new one (the `create` parameter), which opens once made.
 */
export function ListAndPane({ list, toolbar, columns, empty, open, create, reset = {}, Form, Detail }) {
  const { [open]: id = "", [create]: creating = "" } = route.value.params;
  return html`<${SplitView}
    list=${html`${toolbar}
      <${PagedTable}
        list=${list}
        columns=${columns}
        onRow=${(row) => setParams({ ...reset, [open]: row.id, [create]: "" })}
        empty=${empty}
      />`}
    side=${creating
      ? html`<${Form}
          onClose=${() => setParams({ [create]: "" })}
          onMade=${(made) => {
            list.reload();
            setParams({ [create]: "", [open]: made.id });
          }}
        />`
      : id &&
        html`<${Detail} key=${id} id=${id} onChanged=${list.replace} onClose=${() => setParams({ ...reset, [open]: "" })} />`}
  />`;
}

/** A form in a side pane, named by its title (for assistive technology and tests). */
export function FormPanel({ title, onClose, onSubmit, children }) {
  return html`<${Panel} class="compose" title=${title} actions=${html`<${CloseButton} onClick=${onClose} />`}>
    <form class="stack" onSubmit=${onSubmit} aria-label=${title}>${children}</form>
  <//>`;
}
