// Small pieces the inbox, notices and tasks views share.
import { Button, ErrorBox, Panel } from "../components/basic.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { route, setParams } from "../router.js";
import { MoreButton, PagedTable, SplitView } from "../components/lists.js";

export { MoreButton, PagedTable, SplitView };

/** A removable chip for something chosen (a unit, a person). */
export function ChosenChip({ label, onRemove }) {
  return html`<span class="chosen">
    ${label}
    <button type="button" class="chosen-remove" aria-label=${t("notices:remove", { name: label })} onClick=${onRemove}>✕</button>
  </span>`;
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
