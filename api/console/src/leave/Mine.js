// My leave: balances per type for the year, my requests (cancel or withdraw), and a new
// request with its half days and, when the type asks, a certificate.
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { me } from "../auth.js";
import { Badge, Button, ErrorBox, Field, Input, Loading, Panel, Select, Table, TextArea, Toolbar } from "../components/basic.js";
import { useAction, useLoad, usePaged } from "../components/hooks.js";
import { PagedTable } from "../components/lists.js";
import { localDate } from "../dates.js";
import { html } from "../html.js";
import { formatNumber, t } from "../i18n.js";
import { href, route, setParams } from "../router.js";

export const LEAVE_TONES = { draft: "neutral", in_approval: "warn", approved: "ok", rejected: "danger", returned: "warn", withdrawn: "neutral", cancelled: "neutral" };
const days = (x) => formatNumber(Number(x), 1);

export function useTypes() {
  return useLoad(() => api("/api/v1/leave-types").then((p) => p.items), []);
}

export function Balances({ staffId, year }) {
  const { data, error, loading } = useLoad(
    () => api("/api/v1/leave-balances", { query: { staff_id: staffId, year } }).then((p) => p.items),
    [staffId, year],
  );
  if (loading && !data) return html`<${Loading} />`;
  if (error) return html`<${ErrorBox} error=${error} />`;
  const columns = [
    { key: "name", label: t("leave:type"), render: (b) => html`<strong>${b.name}</strong>` },
    { key: "allocated", label: t("leave:allocated"), render: (b) => days(b.allocated) },
    { key: "carried", label: t("leave:carried"), render: (b) => html`${days(b.carried)}${b.carry_expires_on ? html` <small>${t("leave:until", { day: b.carry_expires_on })}</small>` : ""}` },
    { key: "taken", label: t("leave:taken"), render: (b) => days(b.taken) },
    { key: "pending", label: t("leave:pending"), render: (b) => days(b.pending) },
    { key: "available", label: t("leave:available"), render: (b) => html`<b data-code=${b.code} class="available">${days(b.available)}</b>` },
  ];
  return html`<${Table} columns=${columns} rows=${data.filter((b) => Number(b.allocated) || Number(b.taken) || Number(b.pending))} rowKey=${(b) => b.leave_type_id} empty=${t("leave:no_balances")} />`;
}

function NewRequest({ types, onDone }) {
  const today = localDate();
  const [form, setForm] = useState({ leave_type_id: types[0]?.id ?? "", start: today, end: today, start_half: "", end_half: "", reason: "" });
  const [file, setFile] = useState(null);
  const action = useAction();
  const set = (changes) => setForm({ ...form, ...changes });
  const type = types.find((x) => x.id === form.leave_type_id);
  const submit = (draft) =>
    action.run(async () => {
      let attachment_id;
      if (file) {
        const body = new FormData();
        body.append("file", file);
        attachment_id = (await api("/api/v1/attachments", { method: "POST", raw: body })).id;
      }
      const made = await api("/api/v1/leave-requests", {
        method: "POST",
        body: { ...form, start_half: form.start_half || undefined, end_half: form.end_half || undefined, draft, attachment_id },
      });
      onDone(made);
    });
  const halves = [{ value: "", label: t("leave:whole_day") }, { value: "am", label: t("leave:half_am") }, { value: "pm", label: t("leave:half_pm") }];
  return html`<${Panel} title=${t("leave:new_request")}>
    <form class="leave-form" aria-label=${t("leave:new_request")} onSubmit=${(e) => (e.preventDefault(), submit(false))}>
      <${Field} label=${t("leave:type")}>
        <${Select} name="type" value=${form.leave_type_id} onValue=${(v) => set({ leave_type_id: v })} options=${types.filter((x) => x.active).map((x) => ({ value: x.id, label: x.name }))} />
      <//>
      <${Field} label=${t("leave:from")}><${Input} type="date" name="start" value=${form.start} onValue=${(v) => set({ start: v, end: form.end < v ? v : form.end })} required /><//>
      ${type?.half_days_allowed && html`<${Field} label=${t("leave:first_day")}><${Select} name="start_half" value=${form.start_half} onValue=${(v) => set({ start_half: v })} options=${halves.filter((h) => h.value !== "am")} /><//>`}
      <${Field} label=${t("leave:until_day")}><${Input} type="date" name="end" value=${form.end} onValue=${(v) => set({ end: v })} required /><//>
      ${type?.half_days_allowed && html`<${Field} label=${t("leave:last_day")}><${Select} name="end_half" value=${form.end_half} onValue=${(v) => set({ end_half: v })} options=${halves.filter((h) => h.value !== "pm")} /><//>`}
      <${Field} label=${t("leave:reason")} wide><${TextArea} name="reason" value=${form.reason} onValue=${(v) => set({ reason: v })} rows="2" maxlength="1000" /><//>
      ${type?.attachment_required_above_days != null &&
      html`<${Field} label=${t("leave:certificate")} hint=${t("leave:certificate_hint", { days: days(type.attachment_required_above_days) })}>
        <input class="input" type="file" accept="image/jpeg,image/png,image/webp,image/heic,application/pdf" onChange=${(e) => setFile(e.currentTarget.files[0] ?? null)} />
      <//>`}
      <${ErrorBox} error=${action.error} />
      <div class="panel-actions">
        <${Button} kind="primary" type="submit" busy=${action.busy}>${t("leave:ask")}<//>
        <${Button} onClick=${() => submit(true)} disabled=${action.busy}>${t("leave:save_draft")}<//>
        <${Button} kind="ghost" onClick=${() => setParams({ create: "" })}>${t("cancel")}<//>
      </div>
    </form>
  <//>`;
}

function CancelButton({ request, onDone }) {
  const action = useAction();
  if (!["draft", "in_approval", "approved"].includes(request.status)) return null;
  const label = request.status === "in_approval" ? t("leave:withdraw") : t("leave:cancel");
  return html`<span onClick=${(e) => e.stopPropagation()}>
    <${Button} kind="ghost" busy=${action.busy} data-action="cancel"
      onClick=${() => action.run(async () => onDone(await api(`/api/v1/leave-requests/${request.id}/cancel`, { method: "POST", body: {} })))}
    >${label}<//>
    ${action.error && html`<small class="field-error">${action.error.message}</small>`}
  </span>`;
}

export function Mine() {
  const { create = "" } = route.value.params;
  const year = new Date().getFullYear();
  const types = useTypes();
  const list = usePaged("/api/v1/leave-requests", { mine: "true" }, { limit: 50 });
  const name = (id) => types.data?.find((x) => x.id === id)?.name ?? "";
  const columns = [
    { key: "type", label: t("leave:type"), render: (r) => name(r.leave_type_id) || r.code },
    { key: "period", label: t("leave:period"), render: (r) => (r.start === r.end ? r.start : `${r.start} – ${r.end}`) + (r.start_half === "pm" ? ` ${t("leave:half_pm")}` : "") + (r.end_half === "am" ? ` ${t("leave:half_am")}` : "") },
    { key: "days", label: t("leave:days"), render: (r) => days(r.days) },
    { key: "status", label: t("leave:status"), render: (r) => html`<${Badge} tone=${LEAVE_TONES[r.status]}>${t(`leave:status_${r.status}`)}<//>` },
    { key: "approval", label: "", render: (r) => r.approval_id && html`<a href=${href("/approvals", { id: r.approval_id })} onClick=${(e) => e.stopPropagation()}>${t("leave:approval")}</a>` },
    { key: "cancel", label: "", render: (r) => html`<${CancelButton} request=${r} onDone=${list.reload} />` },
  ];
  return html`<div class="leave-mine">
    <${Panel} title=${t("leave:balances", { year })}><${Balances} staffId=${me.value?.id} year=${year} /><//>
    ${create && types.data
      ? html`<${NewRequest} types=${types.data} onDone=${() => (setParams({ create: "" }), list.reload())} />`
      : html`<${Toolbar}><${Button} kind="primary" onClick=${() => setParams({ create: "1" })}>${t("leave:new_request")}<//><//>`}
    <${PagedTable} list=${list} columns=${columns} empty=${t("leave:no_requests")} />
  </div>`;
}
