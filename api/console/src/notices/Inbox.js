// The signed-in person's own inbox: notices, tasks, alerts and approvals, unread first to
// the eye; opening one marks it read.
import { useEffect, useRef } from "preact/hooks";
import { api } from "../api.js";
import { Badge, Button, ErrorBox, Loading, Panel, Select, Toolbar } from "../components/basic.js";
import { useAction, usePaged } from "../components/hooks.js";
import { html } from "../html.js";
import { formatAge, formatTime, t } from "../i18n.js";
import { href, route, setParams } from "../router.js";
import { localDate, PAGE_SIZE } from "./data.js";
import { CloseButton, MoreButton, SplitView } from "./parts.js";
import { refreshUnread, unread } from "./unread.js";

export const KINDS = ["notice", "task", "alert", "approval", "system"];
const KIND_TONES = { notice: "neutral", task: "ok", alert: "warn", approval: "neutral", system: "neutral" };

export function Inbox() {
  const { unread: onlyUnread = "", kind = "", item = "" } = route.value.params;
  const list = usePaged(
    "/api/v1/inbox",
    { unread: onlyUnread ? "true" : undefined, kind: kind || undefined },
    { limit: PAGE_SIZE },
  );
  const opening = useAction();
  const markAll = useAction();
  useNewItems(list.reload);
  const selected = list.items.find((i) => i.id === item);

  const open = (entry) => {
    setParams({ item: entry.id });
    if (entry.read_at) return;
    opening.run(async () => {
      list.replace(await api(`/api/v1/inbox/${entry.id}/read`, { method: "POST" }));
      refreshUnread();
    });
  };
  const readAll = () =>
    markAll.run(async () => {
      await api("/api/v1/inbox/read-all", { method: "POST" });
      list.reload();
      refreshUnread();
    });

  return html`<${SplitView}
    list=${html`<${Toolbar}>
        <div class="segmented" role="group" aria-label=${t("notices:show")}>
          <button type="button" class=${onlyUnread ? "" : "on"} aria-pressed=${onlyUnread ? "false" : "true"}
            onClick=${() => setParams({ unread: "" })}>${t("notices:all_items")}</button>
          <button type="button" class=${onlyUnread ? "on" : ""} aria-pressed=${onlyUnread ? "true" : "false"}
            onClick=${() => setParams({ unread: "1" })}>${t("notices:unread_only")}</button>
        </div>
        <${Select}
          value=${kind}
          onValue=${(v) => setParams({ kind: v })}
          aria-label=${t("notices:kind")}
          placeholder=${t("notices:all_kinds")}
          options=${KINDS.map((k) => ({ value: k, label: t(`notices:kind_${k}`) }))}
        />
        <${Button} busy=${markAll.busy} disabled=${!unread.value} onClick=${readAll}>${t("notices:mark_all_read")}<//>
        <span class="toolbar-note" aria-live="polite">
          ${unread.value ? t("notices:unread_count", { count: unread.value }) : t("notices:all_read")}
        </span>
      <//>
      <${ErrorBox} error=${list.error || markAll.error} onRetry=${list.error ? list.reload : undefined} />
      ${list.loading && !list.items.length && html`<${Loading} />`}
      ${!list.loading && !list.items.length && !list.error &&
      html`<div class="empty">${onlyUnread ? t("notices:inbox_all_read") : t("notices:inbox_empty")}</div>`}
      <ul class="inbox-list" aria-label=${t("notices:tab_inbox")}>
        ${list.items.map(
          (entry) => html`<li key=${entry.id}>
            <button
              type="button"
              class=${`inbox-item${entry.read_at ? "" : " inbox-unread"}${entry.id === item ? " inbox-selected" : ""}`}
              data-id=${entry.id}
              onClick=${() => open(entry)}
            >
              <span class="inbox-dot" aria-hidden="true"></span>
              <span class="inbox-main">
                <span class="inbox-line">
                  <${Badge} tone=${KIND_TONES[entry.kind] ?? "neutral"}>${t(`notices:kind_${entry.kind}`, { defaultValue: entry.kind })}<//>
                  <span class="inbox-title">${entry.title}</span>
                  ${!entry.read_at && html`<span class="nt-sr-only">${t("notices:unread")}</span>`}
                </span>
                <span class="inbox-snippet">${entry.body}</span>
              </span>
              <time class="inbox-time" datetime=${entry.created_at} title=${formatTime(entry.created_at)}
                >${formatAge(entry.created_at)}</time
              >
            </button>
          </li>`,
        )}
      </ul>
      <${MoreButton} list=${list} />`}
    side=${selected &&
    html`<${InboxReader} entry=${selected} error=${opening.error} onClose=${() => setParams({ item: "" })} />`}
  />`;
}

/** Reloads the list when the unread count goes up: something new arrived. */
function useNewItems(reload) {
  const last = useRef(unread.value);
  useEffect(() => {
    if (last.current !== null && unread.value > last.current) reload();
    last.current = unread.value;
  }, [unread.value]);
}

function InboxReader({ entry, error, onClose }) {
  const data = entry.data ?? {};
  return html`<${Panel}
    class="reader"
    title=${entry.title}
    actions=${html`<${CloseButton} onClick=${onClose} />`}
  >
    <p class="reader-meta">
      <${Badge} tone=${KIND_TONES[entry.kind] ?? "neutral"}>${t(`notices:kind_${entry.kind}`, { defaultValue: entry.kind })}<//>
      ${" "}${t("notices:received_at", { time: formatTime(entry.created_at) })}
      ${entry.read_at && html` · ${t("notices:read_at", { time: formatTime(entry.read_at) })}`}
    </p>
    <${ErrorBox} error=${error} />
    <div class="reader-body">${entry.body}</div>
    <div class="panel-actions wrap">
      ${data.task_id &&
      html`<a class="btn btn-secondary" href=${href("/notices", { tab: "tasks", task: data.task_id })}>${t("notices:open_task")}</a>`}
      ${data.event_id && data.staff_id &&
      html`<a class="btn btn-secondary" href=${href("/itinerary", { person: data.staff_id, day: localDate(data.started_at) })}
        >${t("notices:open_itinerary")}</a
      >`}
    </div>
  <//>`;
}
