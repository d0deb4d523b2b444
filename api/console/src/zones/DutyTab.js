// Duty: the weekly schedule and the exceptions (holidays, make-up working days) of an org
// unit or a person, edited here; for a person also what applies to them this week.
import { useState } from "preact/hooks";
import { allItems, api } from "../api.js";
import { localDate } from "../dates.js";
import { Badge, Button, Empty, ErrorBox, Field, Input, Panel, Select, Table, Tabs } from "../components/basic.js";
import { useAction, useLoad } from "../components/hooks.js";
import { StaffPicker, UnitPicker } from "../components/pickers.js";
import { html } from "../html.js";
import { formatTime, t } from "../i18n.js";
import { route, setParams } from "../router.js";
import { fieldErrors, tenantSettings } from "./shapes.js";

const WEEKDAYS = [0, 1, 2, 3, 4, 5, 6];
const weekdayOptions = () => WEEKDAYS.map((d) => ({ value: String(d), label: t(`zones:weekday_${d}`) }));

/** The target's id field as the API names it. */
const targetOf = ({ unit, person }) => (person ? { staff_id: person } : unit ? { org_unit_id: unit } : null);
const concerns = (item, target) =>
  target.staff_id ? item.staff_id === target.staff_id : item.org_unit_id === target.org_unit_id;

export function DutyTab() {
  const { who = "unit", unit = "", person = "" } = route.value.params;
  const target = targetOf(who === "person" ? { person } : { unit });
  const key = target ? Object.values(target)[0] : "";
  return html`<div class="duty-tab">
    <div class="toolbar duty-target">
      <${Tabs}
        value=${who}
        onValue=${(v) => setParams({ who: v })}
        tabs=${[
          { value: "unit", label: t("zones:target_unit") },
          { value: "person", label: t("zones:target_person") },
        ]}
      />
      ${who === "person"
        ? html`<${StaffPicker} value=${person} onValue=${(v) => setParams({ person: v })} label=${t("zones:duty_of_person")} />`
        : html`<${UnitPicker} value=${unit} onValue=${(v) => setParams({ unit: v })} allowAll=${false} label=${t("zones:duty_of_unit")} />`}
    </div>
    ${!target
      ? html`<${Empty}>${t(who === "person" ? "zones:choose_person_hint" : "zones:choose_unit_hint")}<//>`
      : html`<div class="duty-grid" key=${key}>
          ${target.staff_id && html`<${ThisWeek} staffId=${target.staff_id} />`}
          <${ScheduleForm} target=${target} />
          <${Exceptions} target=${target} />
        </div>`}
  </div>`;
}

/** Monday 00:00 of this week, in the reader's time zone. */
function mondayOf(now = new Date()) {
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return d;
}

export function ThisWeek({ staffId }) {
  const start = mondayOf();
  const end = new Date(start.getTime() + 7 * 86400_000);
  const duty = useLoad(
    () => api(`/api/v1/staff/${staffId}/duty`, { query: { from: start.toISOString(), to: end.toISOString() } }),
    [staffId],
  );
  const d = duty.data;
  return html`<${Panel} title=${t("zones:this_week")} class="duty-week">
    <${ErrorBox} error=${duty.error} onRetry=${duty.reload} />
    ${d &&
    html`<p class="duty-source">
        ${t(`zones:source_${d.source}`)} · ${d.timezone} ·
        <${Badge} tone=${d.on_duty_now ? "ok" : "neutral"}>${t(d.on_duty_now ? "zones:on_duty_now" : "zones:off_duty_now")}<//>
      </p>
      <${Table}
        rowKey=${(s) => s.start}
        rows=${d.shifts}
        empty=${t("zones:no_shifts")}
        columns=${[
          { key: "day", label: t("date"), render: (s) => html`${s.day} ${t(`zones:weekday_${(new Date(s.day + "T12:00:00Z").getUTCDay() + 6) % 7}`)}` },
          { key: "start", label: t("zones:start"), render: (s) => formatTime(s.start, { timeZone: d.timezone }) },
          { key: "end", label: t("zones:end"), render: (s) => formatTime(s.end, { timeZone: d.timezone }) },
        ]}
      />`}
  <//>`;
}

/** Period rows ({weekday?, start, end}) with their errors, by index, under `path`. */
function Periods({ periods, onValue, errors, path, weekly }) {
  const change = (i, key, value) => onValue(periods.map((p, j) => (j === i ? { ...p, [key]: value } : p)));
  return html`<div class="periods">
    ${periods.map(
      (p, i) => html`<div class="period-row" key=${i}>
        ${weekly &&
        html`<${Field} label=${t("zones:weekday")} error=${errors[`${path}.${i}.weekday`]}>
          <${Select} name=${`weekday-${i}`} value=${String(p.weekday)} onValue=${(v) => change(i, "weekday", Number(v))} options=${weekdayOptions()} />
        <//>`}
        <${Field} label=${t("zones:start")} error=${errors[`${path}.${i}.start`]}>
          <${Input} name=${`start-${i}`} value=${p.start} onValue=${(v) => change(i, "start", v)} placeholder="08:30" inputmode="numeric" maxlength="5" />
        <//>
        <${Field} label=${t("zones:end")} error=${errors[`${path}.${i}.end`]}>
          <${Input} name=${`end-${i}`} value=${p.end} onValue=${(v) => change(i, "end", v)} placeholder="18:00" inputmode="numeric" maxlength="5" />
        <//>
        <${Button} kind="ghost" aria-label=${t("zones:remove_period")} onClick=${() => onValue(periods.filter((_, j) => j !== i))}>✕<//>
      </div>`,
    )}
    <${Button}
      onClick=${() => onValue([...periods, { ...(weekly ? { weekday: nextWeekday(periods) } : {}), start: "08:30", end: "18:00" }])}
    >
      ${t("zones:add_period")}
    <//>
  </div>`;
}

const nextWeekday = (periods) => (periods.length ? (periods[periods.length - 1].weekday + 1) % 7 : 0);

function ScheduleForm({ target }) {
  const [version, setVersion] = useState(0);
  const found = useLoad(async () => {
    const [all, tenant] = await Promise.all([allItems("/api/v1/schedules"), tenantSettings()]);
    return { schedule: all.find((s) => concerns(s, target)) ?? null, tenant };
  }, [version]);
  if (found.error) return html`<${ErrorBox} error=${found.error} onRetry=${found.reload} />`;
  if (!found.data) return null;
  return html`<${ScheduleEditor}
    key=${found.data.schedule?.id ?? "new"}
    target=${target}
    schedule=${found.data.schedule}
    tenant=${found.data.tenant}
    onChanged=${() => setVersion((v) => v + 1)}
  />`;
}

function ScheduleEditor({ target, schedule, tenant, onChanged }) {
  const [form, setForm] = useState(() => ({
    name: schedule?.name ?? "",
    timezone: schedule?.timezone ?? tenant.timezone,
    weekly: schedule?.weekly.map(({ weekday, start, end }) => ({ weekday, start, end })) ?? [],
  }));
  const save = useAction();
  const remove = useAction();
  const set = (key) => (value) => setForm((f) => ({ ...f, [key]: value }));
  const errors = fieldErrors(save.error, { invalid_periods: "weekly" });
  const submit = (e) => {
    e.preventDefault();
    save.run(async () => {
      const body = { name: form.name.trim(), timezone: form.timezone.trim(), weekly: form.weekly };
      if (schedule) await api(`/api/v1/schedules/${schedule.id}`, { method: "PATCH", body });
      else await api("/api/v1/schedules", { method: "POST", body: { ...target, ...body } });
      onChanged();
    });
  };
  const destroy = () =>
    remove.run(async () => {
      await api(`/api/v1/schedules/${schedule.id}`, { method: "DELETE" });
      onChanged();
    });
  return html`<${Panel} title=${t("zones:schedule")} class="duty-schedule">
    <form class="duty-form" onSubmit=${submit} aria-label=${t("zones:schedule")}>
      <p class="field-hint">${schedule ? t("zones:schedule_own") : t("zones:schedule_none")}</p>
      <div class="form">
        <${Field} label=${t("zones:schedule_name")} error=${errors.name}>
          <${Input} name="schedule-name" value=${form.name} onValue=${set("name")} maxlength="200" />
        <//>
        <${Field} label=${t("zones:timezone")} hint=${t("zones:timezone_hint")} error=${errors.timezone}>
          <${Input} name="timezone" value=${form.timezone} onValue=${set("timezone")} />
        <//>
      </div>
      <h3>${t("zones:weekly")}</h3>
      ${!form.weekly.length && html`<p class="muted">${t("zones:no_periods")}</p>`}
      <${Periods} periods=${form.weekly} onValue=${set("weekly")} errors=${errors} path="weekly" weekly=${true} />
      <${ErrorBox} error=${save.error} />
      <div class="zone-form-actions">
        <${Button} kind="primary" type="submit" busy=${save.busy}>${schedule ? t("save") : t("zones:create_schedule")}<//>
        <${Button} onClick=${() => set("weekly")(tenant.settings.default_duty_week.map(({ weekday, start, end }) => ({ weekday, start, end })))}>
          ${t("zones:use_default_week")}
        <//>
        ${schedule && html`<${Button} kind="danger" busy=${remove.busy} onClick=${destroy}>${t("zones:delete_schedule")}<//>`}
      </div>
      <${ErrorBox} error=${remove.error} />
    </form>
  <//>`;
}

const isoDay = localDate;

function Exceptions({ target }) {
  const today = new Date();
  const from = isoDay(new Date(today.getTime() - 31 * 86400_000));
  const to = isoDay(new Date(today.getTime() + 366 * 86400_000));
  const list = useLoad(
    async () => (await allItems("/api/v1/duty-exceptions", { from, to })).filter((x) => concerns(x, target)),
    [],
  );
  const [form, setForm] = useState({ day: "", kind: "off", periods: [], reason: "" });
  const add = useAction();
  const remove = useAction();
  const set = (key) => (value) => setForm((f) => ({ ...f, [key]: value }));
  const errors = fieldErrors(add.error, { invalid_periods: "periods" });
  const submit = (e) => {
    e.preventDefault();
    add.run(async () => {
      await api("/api/v1/duty-exceptions", {
        method: "POST",
        body: { ...target, day: form.day, kind: form.kind, periods: form.kind === "work" ? form.periods : [], reason: form.reason.trim() },
      });
      setForm({ day: "", kind: "off", periods: [], reason: "" });
      list.reload();
    });
  };
  const destroy = (x) =>
    remove.run(async () => {
      await api(`/api/v1/duty-exceptions/${x.id}`, { method: "DELETE" });
      list.reload();
    });
  return html`<${Panel} title=${t("zones:exceptions")} class="duty-exceptions">
    <${ErrorBox} error=${list.error} onRetry=${list.reload} />
    <${Table}
      rows=${list.data ?? []}
      empty=${list.loading ? t("loading") : t("zones:no_exceptions")}
      columns=${[
        { key: "day", label: t("date") },
        { key: "kind", label: t("zones:exception_kind"), render: (x) => html`<${Badge} tone=${x.kind === "off" ? "warn" : "ok"}>${t(`zones:exception_${x.kind}`)}<//>` },
        { key: "periods", label: t("zones:periods"), render: (x) => x.periods.map((p) => `${p.start}–${p.end}`).join(", ") },
        { key: "reason", label: t("zones:reason") },
        { key: "source", label: t("zones:exception_source"), render: (x) => t(`zones:exception_source_${x.source}`, { defaultValue: x.source }) },
        {
          key: "actions",
          label: "",
          render: (x) => html`<${Button} kind="ghost" busy=${remove.busy} onClick=${() => destroy(x)}>${t("delete")}<//>`,
        },
      ]}
    />
    <${ErrorBox} error=${remove.error} />
    <form class="duty-form" onSubmit=${submit} aria-label=${t("zones:add_exception")}>
      <h3>${t("zones:add_exception")}</h3>
      <div class="form">
        <${Field} label=${t("date")} error=${errors.day}>
          <${Input} name="day" type="date" value=${form.day} onValue=${set("day")} required />
        <//>
        <${Field} label=${t("zones:exception_kind")} error=${errors.kind}>
          <${Select}
            name="exception-kind"
            value=${form.kind}
            onValue=${(v) => setForm((f) => ({ ...f, kind: v, periods: v === "work" && !f.periods.length ? [{ start: "08:30", end: "18:00" }] : f.periods }))}
            options=${[
              { value: "off", label: t("zones:exception_off") },
              { value: "work", label: t("zones:exception_work") },
            ]}
          />
        <//>
        <${Field} label=${t("zones:reason")} error=${errors.reason} wide=${true}>
          <${Input} name="reason" value=${form.reason} onValue=${set("reason")} maxlength="200" />
        <//>
      </div>
      ${form.kind === "work" && html`<${Periods} periods=${form.periods} onValue=${set("periods")} errors=${errors} path="periods" weekly=${false} />`}
      <${ErrorBox} error=${add.error} />
      <div class="zone-form-actions">
        <${Button} kind="primary" type="submit" busy=${add.busy}>${t("zones:add_exception")}<//>
      </div>
    </form>
  <//>`;
}
