// Visits of the people in scope, newest first, filtered by rep, kind, verification and
// days; a row opens the visit: where and when it was checked in and out, how far from
// the customer, the time on site, the outcome and the photos.
import { api } from "../api.js";
import { directs } from "../auth.js";
import { Badge, ErrorBox, Input, Loading, Panel, Select, Toolbar } from "../components/basic.js";
import { useLoad, usePaged } from "../components/hooks.js";
import { PagedTable, SplitView } from "../components/lists.js";
import { Photos } from "../components/Photos.js";
import { StaffPicker } from "../components/pickers.js";
import { dayStart, isoLocal } from "../dates.js";
import { html } from "../html.js";
import { formatDistance, formatDuration, formatTime, t } from "../i18n.js";
import { CloseButton } from "../notices/parts.js";
import { route, setParams } from "../router.js";

export const VISIT_TYPES = ["routine", "cold", "follow_up"];

export function Verified({ verification, distance }) {
  return html`<${Badge} tone=${verification === "verified" ? "ok" : "warn"}>${t(`customers:${verification}`)}<//> ${formatDistance(distance)}`;
}

function Fact({ label, children }) {
  return html`<dt>${label}</dt><dd>${children}</dd>`;
}

function VisitDetail({ id }) {
  const { data: v, error, loading } = useLoad(() => api(`/api/v1/visits/${id}`), [id]);
  const close = html`<${CloseButton} onClick=${() => setParams({ visit: "" })} />`;
  if (loading && !v) return html`<${Panel} actions=${close}><${Loading} /><//>`;
  if (error) return html`<${Panel} actions=${close}><${ErrorBox} error=${error} /><//>`;
  return html`<${Panel} class="visit-detail" title=${v.customer_name} actions=${close}>
    <dl class="facts" data-id=${v.id}>
      <${Fact} label=${t("customers:rep")}>${v.staff_name}<//>
      <${Fact} label=${t("customers:visit_type")}>${t(`customers:type_${v.type}`)}<//>
      <${Fact} label=${t("customers:check_in")}>${formatTime(v.check_in_at)} · <${Verified} verification=${v.verification} distance=${v.distance_m} />${v.accuracy_m != null ? ` ±${formatDistance(v.accuracy_m)}` : ""}${v.mock ? html` <${Badge} tone="danger">${t("customers:mock")}<//>` : ""}<//>
      <${Fact} label=${t("customers:check_out")}>
        ${v.check_out_at ? html`${formatTime(v.check_out_at)} · <${Verified} verification=${v.check_out_verification} distance=${v.check_out_distance_m} />` : t(`customers:status_${v.status}`)}
      <//>
      <${Fact} label=${t("customers:on_site")}>${v.duration_s != null ? formatDuration(v.duration_s) : "—"}<//>
      <${Fact} label=${t("customers:outcome")}>${v.outcome ?? "—"}<//>
      ${v.notes && html`<${Fact} label=${t("customers:notes")}>${v.notes}<//>`}
      ${v.stage_to && html`<${Fact} label=${t("customers:stage_to")}>${t(`customers:stage_${v.stage_to}`)}<//>`}
      ${v.follow_up_on && html`<${Fact} label=${t("customers:follow_up_on")}>${v.follow_up_on}<//>`}
      ${v.received_at && html`<${Fact} label=${t("customers:received_at")}>${formatTime(v.received_at)}<//>`}
    </dl>
    <h3>${t("photos")}</h3>
    ${v.photo_ids.length ? html`<${Photos} ids=${v.photo_ids} />` : html`<p class="muted">${t("customers:no_photos")}</p>`}
  <//>`;
}

export function Visits() {
  const { staff = "", type = "", verification = "", from = "", to = "", visit = "" } = route.value.params;
  const list = usePaged("/api/v1/visits", {
    staff_id: staff || undefined,
    type: type || undefined,
    verification: verification || undefined,
    from: from ? isoLocal(dayStart(from)) : undefined,
    to: to ? isoLocal(dayStart(to, 1)) : undefined,
  });
  const columns = [
    { key: "at", label: t("customers:when"), render: (v) => formatTime(v.check_in_at) },
    { key: "staff", label: t("customers:rep"), render: (v) => v.staff_name },
    { key: "customer", label: t("customers:customer"), render: (v) => v.customer_name },
    { key: "type", label: t("customers:visit_type"), render: (v) => t(`customers:type_${v.type}`) },
    { key: "verification", label: t("customers:verification"), render: (v) => html`<${Verified} verification=${v.verification} distance=${v.distance_m} />` },
    { key: "on_site", label: t("customers:on_site"), render: (v) => (v.duration_s != null ? formatDuration(v.duration_s) : t(`customers:status_${v.status}`)) },
    { key: "photos", label: t("photos"), render: (v) => (v.photo_ids.length ? `📷 ${v.photo_ids.length}` : "") },
  ];
  return html`<div class="visits-page">
    <${SplitView}
      list=${html`<${Toolbar}>
          ${directs() && html`<${StaffPicker} value=${staff} label=${t("customers:rep")} onValue=${(v) => setParams({ staff: v })} />`}
          <${Select} value=${type} aria-label=${t("customers:visit_type")} placeholder=${t("customers:all_types")} options=${VISIT_TYPES.map((k) => ({ value: k, label: t(`customers:type_${k}`) }))} onValue=${(v) => setParams({ type: v })} />
          <${Select} value=${verification} aria-label=${t("customers:verification")} placeholder=${t("customers:any_verification")} options=${["verified", "unverified"].map((k) => ({ value: k, label: t(`customers:${k}`) }))} onValue=${(v) => setParams({ verification: v })} />
          <${Input} type="date" value=${from} aria-label=${t("customers:from")} onValue=${(v) => setParams({ from: v })} />
          <${Input} type="date" value=${to} aria-label=${t("customers:to")} onValue=${(v) => setParams({ to: v })} />
        <//>
        <${PagedTable} list=${list} columns=${columns} onRow=${(v) => setParams({ visit: v.id })} empty=${t("customers:no_visits")} />`}
      side=${visit && html`<${VisitDetail} key=${visit} id=${visit} />`}
    />
  </div>`;
}
