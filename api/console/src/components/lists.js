// Lists the API answers in pages: "load more", a paged table, a list with a side pane.
import { Button, ErrorBox, Loading, Table } from "./basic.js";
import { html } from "../html.js";
import { t } from "../i18n.js";

/** "Load more" under a paged list while the API has more. */
export function MoreButton({ list }) {
  if (!list.hasMore) return null;
  return html`<div class="more-row"><${Button} busy=${list.loading} onClick=${list.loadMore}>${t("more")}<//></div>`;
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
