// The count of requests waiting on me, on the navigation entry (polled every minute).
import { html } from "../html.js";
import { t } from "../i18n.js";
import { usePollWaiting, waitingCount } from "./data.js";

export function WaitingBadge() {
  usePollWaiting();
  const count = waitingCount.value;
  if (!count) return null;
  return html`<span class="unread-badge waiting-badge" title=${t("approvals:waiting_count", { count })}>${count > 99 ? "99+" : count}</span>`;
}
