// My requests, and those I decided or may see: a paged table whose rows open the detail.
import { Select, Toolbar } from "../components/basic.js";
import { usePaged } from "../components/hooks.js";
import { html } from "../html.js";
import { formatTime, t } from "../i18n.js";
import { route, setParams } from "../router.js";
import { PagedTable } from "../components/lists.js";
import { RequestStatus } from "./Detail.js";

const STATUSES = ["in_approval", "approved", "rejected", "returned", "withdrawn"];
const KINDS = ["leave", "travel_claim"];

export function RequestList({ mine }) {
  const { status = "", kind = "" } = route.value.params;
  const list = usePaged(
    "/api/v1/approvals",
    { mine: mine ? "true" : undefined, status: status || undefined, kind: kind || undefined },
    { limit: 50 },
  );
  const columns = [
    { key: "kind", label: t("approvals:kind"), render: (x) => t(`approvals:kind_${x.kind}`) },
    { key: "status", label: t("approvals:status"), render: (x) => html`<${RequestStatus} status=${x.status} />` },
    { key: "step", label: t("approvals:step"), render: (x) => (x.step ? t("approvals:step_of", { step: x.step, steps: x.steps }) : "–") },
    { key: "created", label: t("approvals:created"), render: (x) => formatTime(x.created_at) },
  ];
  return html`<div>
    <${Toolbar}>
      <${Select} value=${kind} onValue=${(v) => setParams({ kind: v })} aria-label=${t("approvals:kind")} placeholder=${t("approvals:any_kind")}
        options=${KINDS.map((k) => ({ value: k, label: t(`approvals:kind_${k}`) }))} />
      <${Select} value=${status} onValue=${(v) => setParams({ status: v })} aria-label=${t("approvals:status")} placeholder=${t("approvals:any_status")}
        options=${STATUSES.map((s) => ({ value: s, label: t(`approvals:status_${s}`) }))} />
    <//>
    <${PagedTable} list=${list} columns=${columns} onRow=${(x) => setParams({ id: x.id })} empty=${t("approvals:no_requests")} />
  </div>`;
}
