// Corrections (补卡): one's own with their state, asking for one, and for those who decide
// them the ones waiting on them, decided here as on the approvals page.
import { useState } from "preact/hooks";
import { directs } from "../auth.js";
import { Badge, Button, Panel, Toolbar } from "../components/basic.js";
import { usePaged } from "../components/hooks.js";
import { PagedTable } from "../components/lists.js";
import { localDate } from "../dates.js";
import { html } from "../html.js";
import { formatTime, t } from "../i18n.js";
import { href } from "../router.js";
import { Waiting } from "../approvals/Waiting.js";
import { CorrectionDialog } from "./Month.js";

const TONES = { in_approval: "warn", approved: "ok", rejected: "danger", returned: "warn", withdrawn: "neutral" };

export function Corrections() {
  const list = usePaged("/api/v1/attendance/corrections", { mine: "true" }, { limit: 50 });
  const [asking, setAsking] = useState(false);
  const columns = [
    { key: "day", label: t("attendance:day"), render: (c) => c.day },
    { key: "kind", label: t("attendance:punch_kind"), render: (c) => t(`attendance:kind_${c.kind}`) },
    { key: "time", label: t("attendance:punch_time"), render: (c) => formatTime(c.time, { date: false }) },
    { key: "reason", label: t("attendance:reason"), render: (c) => c.reason },
    { key: "status", label: t("attendance:status"), render: (c) => html`<${Badge} tone=${TONES[c.status]}>${t(`attendance:correction_${c.status}`)}<//>` },
    { key: "approval", label: "", render: (c) => c.approval_id && html`<a href=${href("/approvals", { id: c.approval_id })}>${t("attendance:approval")}</a>` },
  ];
  return html`<div class="attendance-corrections">
    ${directs() && html`<${Panel} title=${t("attendance:waiting_on_me")}><${Waiting} kind="attendance_correction" /><//>`}
    <${Panel} title=${t("attendance:my_corrections")}>
      <${Toolbar}><${Button} kind="primary" onClick=${() => setAsking(true)}>${t("attendance:ask_correction")}<//><//>
      <${PagedTable} list=${list} columns=${columns} empty=${t("attendance:no_corrections")} />
    <//>
    ${asking && html`<${CorrectionDialog} day=${localDate()} kind="in" onClose=${() => setAsking(false)} onDone=${() => (setAsking(false), list.reload())} />`}
  </div>`;
}
