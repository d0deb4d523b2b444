// The frame of every page after sign-in: the navigation (a menu on a phone), the
// language switch and sign-out.
import { useState } from "preact/hooks";
import { directs, hasRole, me, signOut } from "../auth.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { route } from "../router.js";
import { LanguageSwitch } from "./LanguageSwitch.js";
import { UnreadBadge } from "../notices/unread.js";
import { WaitingBadge } from "../approvals/Badge.js";

/** The areas of the console and who sees them in the navigation. */
export const AREAS = [
  { path: "/map", label: "nav_live", show: directs },
  { path: "/itinerary", label: "nav_itinerary", show: directs },
  { path: "/zones", label: "nav_zones", show: directs },
  { path: "/alerts", label: "nav_alerts", show: directs },
  { path: "/notices", label: "nav_notices", show: () => true, badge: UnreadBadge },
  { path: "/approvals", label: "nav_approvals", show: () => true, badge: WaitingBadge },
  { path: "/attendance", label: "nav_attendance", show: () => true },
  { path: "/customers", label: "nav_customers", show: () => true },
  { path: "/leave", label: "nav_leave", show: () => true },
  { path: "/travel", label: "nav_travel", show: () => true },
  { path: "/org", label: "nav_org", show: () => hasRole("admin", "manager", "supervisor") },
];

export function Shell({ children }) {
  const [open, setOpen] = useState(false);
  const current = route.value.path;
  return html`<div class="shell">
    <header class="topbar">
      <button type="button" class="menu-button" aria-label=${t("nav_menu")} aria-expanded=${open ? "true" : "false"} onClick=${() => setOpen(!open)}>☰<${UnreadBadge} mirror /></button>
      <a class="brand" href="#/">${t("app_name")}</a>
      <nav class=${`nav${open ? " nav-open" : ""}`} aria-label=${t("nav_menu")}>
        ${AREAS.filter((a) => a.show()).map(
          (a) => html`<a
            href=${`#${a.path}`}
            class=${`nav-link${current.startsWith(a.path) ? " nav-active" : ""}`}
            aria-current=${current.startsWith(a.path) ? "page" : undefined}
            onClick=${() => setOpen(false)}
          >${t(a.label)}${a.badge && html`<${a.badge} />`}</a>`,
        )}
      </nav>
      <div class="topbar-end">
        <${LanguageSwitch} />
        <span class="who" title=${me.value?.login}>${me.value?.name}</span>
        <button type="button" class="btn btn-ghost" onClick=${signOut}>${t("sign_out")}</button>
      </div>
    </header>
    <main class="page">${children}</main>
  </div>`;
}
