// A person's panel on the live map: the last fix, its age, accuracy and source, battery,
// the current or last event, their duty today, their consent to be located by the
// operator; locate now (through the operator's platform when no phone can answer) and
// send a task.
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { Badge, Button, Dialog, ErrorBox, Field, Input, Loading, StatusBadge, TextArea } from "../components/basic.js";
import { useAction, useLoad } from "../components/hooks.js";
import { localDate } from "../dates.js";
import { html } from "../html.js";
import { formatAge, formatDistance, formatDuration, formatNumber, formatTime, t } from "../i18n.js";
import { href } from "../router.js";

function today() {
  const start = new Date();
  start.setHours(0, 0, 0, 0);
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  return { from: start.toISOString(), to: end.toISOString() };
}

function LocateResult({ located }) {
  const lbs = located.requests.find((r) => r.channel === "lbs")?.lbs;
  const phones = located.requests.filter((r) => r.channel !== "unavailable" && r.channel !== "lbs").length;
  return html`<p class="note" role="status" data-lbs=${lbs?.status ?? ""}>
    ${phones > 0 && t("live:locate_sent", { count: phones })}
    ${lbs && (lbs.status === "refused" ? t("live:lbs_refused", { why: lbs.error }) : t("live:lbs_asked"))}
    ${!phones && !lbs && t("live:locate_sent", { count: 0 })}
  </p>`;
}

export function PersonPanel({ staffId, position, onClose }) {
  const info = useLoad(
    async (signal) => {
      const [person, events, duty, consent] = await Promise.all([
        api(`/api/v1/staff/${staffId}`, { signal }),
        api("/api/v1/events", { query: { staff_id: staffId, limit: 1 }, signal }),
        api(`/api/v1/staff/${staffId}/duty`, { query: today(), signal }),
        api(`/api/v1/staff/${staffId}/lbs-consent`, { signal }),
      ]);
      return { person, event: events.items[0], duty, consent };
    },
    [staffId],
  );
  const [tasking, setTasking] = useState(false);
  const locate = useAction();
  const [located, setLocated] = useState(null);
  const p = position?.properties;
  const d = info.data;
  return html`<aside class="person-panel" aria-label=${d?.person.name ?? ""}>
    <header class="panel-head">
      <h2>${d?.person.name ?? p?.name ?? ""}</h2>
      <${Button} kind="ghost" aria-label=${t("close")} onClick=${onClose}>✕<//>
    </header>
    ${info.loading && !d && html`<${Loading} />`}
    <${ErrorBox} error=${info.error} onRetry=${info.reload} />
    ${p
      ? html`<dl class="facts">
          <dt>${t("live:status")}</dt><dd><${StatusBadge} status=${p.status} /></dd>
          <dt>${t("live:last_fix")}</dt>
          <dd>${formatTime(p.fix_time, { seconds: true })} <small>(${formatAge(p.fix_time)})</small></dd>
          <dt>${t("live:accuracy")}</dt><dd>${p.accuracy_m == null ? "–" : formatDistance(p.accuracy_m)}</dd>
          <dt>${t("live:source")}</dt>
          <dd class="fix-source" data-source=${p.source ?? ""}>
            ${t(`live:source_${p.source ?? "unknown"}`)}
            ${p.good === false && html` <${Badge} tone="warn">${t("live:coarse")}<//>`}
          </dd>
          <dt>${t("live:battery")}</dt><dd>${p.battery_pct == null ? "–" : `${formatNumber(p.battery_pct)} %`}</dd>
          <dt>${t("live:speed")}</dt><dd>${p.speed_mps == null ? "–" : `${formatNumber(p.speed_mps * 3.6, 1)} km/h`}</dd>
        </dl>`
      : html`<p class="muted">${t("live:no_position")}</p>`}
    ${d &&
    html`<dl class="facts">
      <dt>${t("live:event")}</dt>
      <dd>
        ${d.event
          ? html`<${Badge} tone=${d.event.ended_at ? "neutral" : "warn"}>${t(`event_${d.event.type}`)}<//>
              ${" "}${formatTime(d.event.started_at)}
              ${d.event.ended_at ? ` · ${formatDuration(d.event.duration_s)}` : ` · ${t("live:ongoing")}`}`
          : t("live:no_event")}
      </dd>
      <dt>${t("live:duty_today")}</dt>
      <dd>
        ${d.duty.shifts.length
          ? d.duty.shifts.map((s) => html`<div>${formatTime(s.start, { date: false })}–${formatTime(s.end, { date: false })}</div>`)
          : t("live:no_duty")}
        ${d.duty.on_duty_now && html`<${Badge} tone="ok">${t("live:on_duty_now")}<//>`}
      </dd>
      <dt>${t("live:contact")}</dt><dd>${d.person.phone ?? "–"}</dd>
      <dt>${t("live:lbs_consent")}</dt>
      <dd class="lbs-consent" data-given=${d.consent.given ? "yes" : "no"}>
        ${d.consent.given
          ? t("live:lbs_consent_given", { when: formatTime(d.consent.given_at, { date: true }), how: t(`live:consent_${d.consent.method}`) })
          : t("live:lbs_consent_none")}
      </dd>
    </dl>`}
    <div class="panel-actions wrap">
      <${Button}
        kind="primary"
        busy=${locate.busy}
        onClick=${() =>
          locate.run(async () => setLocated(await api(`/api/v1/staff/${staffId}/locate`, { method: "POST" })))}
      >
        ${t("live:locate_now")}
      <//>
      <${Button} onClick=${() => setTasking(true)}>${t("live:send_task")}<//>
      <a class="btn btn-secondary" href=${href("/itinerary", { person: staffId, day: localDate() })}>${t("live:itinerary")}</a>
    </div>
    <${ErrorBox} error=${locate.error} />
    ${located && html`<${LocateResult} located=${located} />`}
    ${tasking && html`<${TaskDialog} staffId=${staffId} onClose=${() => setTasking(false)} />`}
  </aside>`;
}

function TaskDialog({ staffId, onClose }) {
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [due, setDue] = useState("");
  const [done, setDone] = useState(false);
  const action = useAction();
  const send = (e) => {
    e.preventDefault();
    action.run(async () => {
      await api("/api/v1/tasks", {
        method: "POST",
        body: {
          assignee_id: staffId,
          title,
          description,
          due_at: due ? new Date(due).toISOString() : undefined,
        },
      });
      setDone(true);
    });
  };
  return html`<${Dialog} title=${t("live:send_task")} onClose=${onClose}>
    ${done
      ? html`<p role="status">${t("live:task_sent")}</p><${Button} onClick=${onClose}>${t("close")}<//>`
      : html`<form class="form" onSubmit=${send}>
          <${Field} label=${t("live:task_title")}><${Input} required maxlength="200" value=${title} onValue=${setTitle} /><//>
          <${Field} label=${t("live:task_description")}><${TextArea} rows="3" value=${description} onValue=${setDescription} /><//>
          <${Field} label=${t("live:task_due")}><${Input} type="datetime-local" value=${due} onValue=${setDue} /><//>
          <${ErrorBox} error=${action.error} />
          <${Button} kind="primary" type="submit" busy=${action.busy}>${t("live:send")}<//>
        </form>`}
  <//>`;
}
