// A person's month on the daily sheet (one's own, or someone's in scope for those who
// direct): each day's status, clock-in and out, worked time, late and early minutes and
// flags; one's own day without its clock-in or out gets a correction (补卡) asked for.
import { useState } from "preact/hooks";
import { allItems, api } from "../api.js";
import { directs, me } from "../auth.js";
import { Badge, Button, Dialog, ErrorBox, Field, Input, Loading, Select, Table, TextArea, Toolbar } from "../components/basic.js";
import { useAction, useLoad } from "../components/hooks.js";
import { StaffPicker } from "../components/pickers.js";
import { isoLocal, localDate, shiftMonth } from "../dates.js";
import { html } from "../html.js";
import { formatTime, t } from "../i18n.js";
import { route, setParams } from "../router.js";
import { DAY_TONES, minutes, monthRange, tenantToday } from "./data.js";

async function load(staff, month) {
  const today = await tenantToday();
  const [from, to] = monthRange(month, today);
  if (to < from) return { days: [], today };
  const days = await allItems("/api/v1/attendance/days", { staff_id: staff, from, to }, { limit: 62 });
  return { days: days.reverse(), today };
}

export function CorrectionDialog({ day, kind, onClose, onDone }) {
  const [form, setForm] = useState({ kind, time: `${day}T${kind === "in" ? "08:30" : "18:00"}`, reason: "" });
  const action = useAction();
  const set = (changes) => setForm({ ...form, ...changes });
  const submit = () =>
    action.run(async () => {
      const made = await api("/api/v1/attendance/corrections", {
        method: "POST",
        body: { kind: form.kind, time: isoLocal(new Date(form.time)), reason: form.reason },
      });
      onDone(made);
    });
  return html`<${Dialog} title=${t("attendance:ask_correction")} onClose=${onClose}>
    <form class="correction-form" aria-label=${t("attendance:ask_correction")} onSubmit=${(e) => (e.preventDefault(), submit())}>
      <${Field} label=${t("attendance:punch_kind")}>
        <${Select} name="kind" value=${form.kind} onValue=${(v) => set({ kind: v })} options=${[{ value: "in", label: t("attendance:kind_in") }, { value: "out", label: t("attendance:kind_out") }]} />
      <//>
      <${Field} label=${t("attendance:punch_time")}><${Input} type="datetime-local" name="time" value=${form.time} onValue=${(v) => set({ time: v })} required /><//>
      <${Field} label=${t("attendance:reason")} wide><${TextArea} name="reason" value=${form.reason} onValue=${(v) => set({ reason: v })} rows="2" maxlength="1000" required /><//>
      <${ErrorBox} error=${action.error} />
      <div class="panel-actions">
        <${Button} kind="primary" type="submit" busy=${action.busy}>${t("attendance:send_correction")}<//>
        <${Button} kind="ghost" onClick=${onClose}>${t("cancel")}<//>
      </div>
    </form>
  <//>`;
}

function flagsText(flags) {
  return flags.filter((f) => f !== "in_progress").map((f) => t(`attendance:flag_${f}`)).join(" · ");
}

export function Month() {
  const own = me.value?.id;
  const { staff = own, month = localDate().slice(0, 7) } = route.value.params;
  const { data, error, loading, reload } = useLoad(() => load(staff, month), [staff, month]);
  const [asking, setAsking] = useState(null);
  const mine = staff === own;
  const columns = [
    { key: "day", label: t("attendance:day"), render: (d) => html`<span data-day=${d.day}>${d.day}</span>` },
    { key: "status", label: t("attendance:status"), render: (d) => html`<${Badge} tone=${DAY_TONES[d.status]}>${t(`attendance:status_${d.status}`)}<//>${d.locked ? html` <span title=${t("attendance:locked")}>🔒</span>` : ""}` },
    { key: "in", label: t("attendance:first_in"), render: (d) => formatTime(d.first_in, { date: false }) },
    { key: "out", label: t("attendance:last_out"), render: (d) => formatTime(d.last_out, { date: false }) },
    { key: "worked", label: t("attendance:worked"), render: (d) => minutes(d.worked_minutes) },
    { key: "late", label: t("attendance:late_early"), render: (d) => [d.late_minutes && t("attendance:late_by", { n: d.late_minutes }), d.early_minutes && t("attendance:early_by", { n: d.early_minutes })].filter(Boolean).join(" · ") },
    { key: "flags", label: t("attendance:flags"), render: (d) => flagsText(d.flags) },
    {
      key: "fix",
      label: "",
      render: (d) =>
        mine && d.shift_start && (!d.first_in || !d.last_out || d.flags.includes("auto_clock_out")) && !d.flags.includes("in_progress")
          ? html`<${Button} kind="ghost" data-action="correct" onClick=${() => setAsking({ day: d.day, kind: d.first_in ? "out" : "in" })}>${t("attendance:correct")}<//>`
          : "",
    },
  ];
  return html`<div class="attendance-month" data-month=${month}>
    <${Toolbar}>
      ${directs() && html`<${StaffPicker} value=${staff} label=${t("attendance:person")} onValue=${(v) => setParams({ staff: v })} />`}
      <${Button} kind="ghost" aria-label=${t("attendance:previous_month")} onClick=${() => setParams({ month: shiftMonth(month, -1) })}>‹<//>
      <strong class="month">${month}</strong>
      <${Button} kind="ghost" aria-label=${t("attendance:next_month")} onClick=${() => setParams({ month: shiftMonth(month, 1) })}>›<//>
    <//>
    <${ErrorBox} error=${error} onRetry=${reload} />
    ${loading && !data ? html`<${Loading} />` : data && html`<${Table} columns=${columns} rows=${data.days} rowKey=${(d) => d.day} empty=${t("attendance:no_days")} />`}
    ${asking && html`<${CorrectionDialog} ...${asking} onClose=${() => setAsking(null)} onDone=${() => (setAsking(null), setParams({ view: "corrections" }))} />`}
  </div>`;
}
