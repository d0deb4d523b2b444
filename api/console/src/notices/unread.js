// The signed-in person's unread count, shared by the navigation's badge and the inbox.
import { effect, signal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, token } from "../api.js";
import { useInterval } from "../components/hooks.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import "./notices.css";

export const UNREAD_REFRESH_MS = 60_000;

/** Unread inbox items, or null before the first answer. */
export const unread = signal(null);

effect(() => {
  if (!token.value) unread.value = null; // signed out: the next person's count is theirs
});

export async function refreshUnread() {
  try {
    unread.value = (await api("/api/v1/inbox/unread-count")).unread;
  } catch {
    /* the badge waits for the next minute; a signed-out session is handled by api() */
  }
}

/**
 * The unread count as a small badge (nothing when all is read). One instance polls the API
 * every minute; a `mirror` only shows the same count (the phone's menu button).
 */
export function UnreadBadge({ mirror = false }) {
  useEffect(() => {
    if (!mirror) refreshUnread();
  }, [mirror]);
  useInterval(refreshUnread, mirror ? 0 : UNREAD_REFRESH_MS);
  const count = unread.value;
  if (!count) return null;
  const text = count > 99 ? "99+" : String(count);
  if (mirror) return html`<span class="unread-badge" aria-hidden="true">${text}</span>`;
  return html`<span class="unread-badge" title=${t("notices:unread_count", { count })}>${text}</span>`;
}
