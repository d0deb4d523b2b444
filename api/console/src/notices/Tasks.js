// 工作任务: give a task to someone one directs, list tasks by status, person and overdue,
// and follow one through its history; the assignee acknowledges it and reports it done.
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { directs, me } from "../auth.js";
import {
  Badge,
  Button,
  Checkbox,
  ErrorBox,
  Field,
  Input,
  Loading,
  Panel,
  Select,
  TextArea,
  Toolbar,
} from "../components/basic.js";
import { useAction, usePaged } from "../components/hooks.js";
import { StaffPicker } from "../components/pickers.js";
import { html } from "../html.js";
import { formatNumber, formatTime, t } from "../i18n.js";
import { route, setParams } from "../router.js";
import { fromLocalInput, PAGE_SIZE, useItem, usePeople } from "./data.js";
import { CloseButton, FormEnd, FormPanel, ListAndPane } from "./parts.js";

export const TASK_STATUSES = ["open", "acknowledged", "done", "cancelled"];
const LIVE = ["open", "acknowledged"];
const TONES = { open: "warn", acknowledged: "neutral", done: "ok", cancelled: "neutral" };

export function TaskStatus({ task }) {
  return html`<span class="task-status">
    <${Badge} tone=${TONES[task.status]}>${t(`notices:task_${task.status}`)}<//>
    ${task.overdue && html` <${Badge} tone="danger">${t("notices:overdue")}<//>`}
  </span>`;
}

export function Tasks() {
  const { status = "", assignee = "", overdue = "" } = route.value.params;
  const list = usePaged(
    "/api/v1/tasks",
    { status: status || undefined, assignee_id: assignee || undefined, overdue: overdue ? "true" : undefined },
    { limit: PAGE_SIZE },
  );
  const name = usePeople();
  const columns = [
    { key: "title", label: t("notices:task_title"), render: (x) => html`<strong>${x.title}</strong>` },
    { key: "assignee", label: t("notices:assignee"), render: (x) => name(x.assignee_id) },
    { key: "due", label: t("notices:due"), render: (x) => (x.due_at ? formatTime(x.due_at) : "–") },
    { key: "status", label: t("notices:status"), render: (x) => html`<${TaskStatus} task=${x} />` },
    { key: "created", label: t("notices:created"), render: (x) => formatTime(x.created_at) },
  ];
  return html`<${ListAndPane}
    list=${list}
    toolbar=${html`<${Toolbar}>
      ${directs() &&
      html`<${Button} kind="primary" onClick=${() => setParams({ create: "1", task: "" })}>${t("notices:new_task")}<//>`}
      <${Select}
        value=${status}
        onValue=${(v) => setParams({ status: v })}
        aria-label=${t("notices:status")}
        placeholder=${t("notices:any_status")}
        options=${TASK_STATUSES.map((s) => ({ value: s, label: t(`notices:task_${s}`) }))}
      />
      ${directs() &&
      html`<div class="assignee-filter">
        <${StaffPicker} value=${assignee} label=${t("notices:assignee")} onValue=${(id) => setParams({ assignee: id })} />
        ${assignee && html`<${Button} kind="ghost" aria-label=${t("notices:any_assignee")} onClick=${() => setParams({ assignee: "" })}>✕<//>`}
      </div>`}
      <${Checkbox} checked=${!!overdue} onValue=${(on) => setParams({ overdue: on ? "1" : "" })} label=${t("notices:overdue_only")} />
      <${Button} kind="ghost" onClick=${list.reload}>${t("notices:refresh")}<//>
    <//>`}
    columns=${columns}
    empty=${t("notices:no_tasks")}
    open="task"
    create="create"
    Form=${NewTask}
    Detail=${TaskDetail}
  />`;
}

function NewTask({ onClose, onMade }) {
  const [assignee, setAssignee] = useState("");
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [due, setDue] = useState("");
  const [place, setPlace] = useState("");
  const [lon, setLon] = useState("");
  const [lat, setLat] = useState("");
  const [problem, setProblem] = useState("");
  const action = useAction();
  const submit = (e) => {
    e.preventDefault();
    setProblem("");
    if (!assignee) return setProblem(t("notices:need_assignee"));
    if ((lon === "") !== (lat === "")) return setProblem(t("notices:need_both_coordinates"));
    return action.run(async () => {
      const created = await api("/api/v1/tasks", {
        method: "POST",
        body: {
          assignee_id: assignee,
          title,
          description,
          due_at: fromLocalInput(due),
          place: place.trim() || undefined,
          lon: lon === "" ? undefined : Number(lon),
          lat: lat === "" ? undefined : Number(lat),
        },
      });
      onMade(created);
    });
  };
  return html`<${FormPanel} title=${t("notices:new_task")} onClose=${onClose} onSubmit=${submit}>
      <${Field} label=${t("notices:assignee")}>
        <${StaffPicker} value=${assignee} label=${t("notices:assignee")} onValue=${setAssignee} />
      <//>
      <${Field} label=${t("notices:task_title")}>
        <${Input} name="title" required maxlength="200" value=${title} onValue=${setTitle} />
      <//>
      <${Field} label=${t("notices:description")}>
        <${TextArea} name="description" rows="4" maxlength="10000" value=${description} onValue=${setDescription} />
      <//>
      <${Field} label=${t("notices:due")}>
        <${Input} name="due" type="datetime-local" value=${due} onValue=${setDue} />
      <//>
      <${Field} label=${t("notices:place")} hint=${t("notices:place_hint")}>
        <${Input} name="place" maxlength="300" value=${place} onValue=${setPlace} />
      <//>
      <div class="pair">
        <${Field} label=${t("notices:lon")}>
          <${Input} name="lon" type="number" step="any" min="-180" max="180" inputmode="decimal" value=${lon} onValue=${setLon} />
        <//>
        <${Field} label=${t("notices:lat")}>
          <${Input} name="lat" type="number" step="any" min="-90" max="90" inputmode="decimal" value=${lat} onValue=${setLat} />
        <//>
      </div>
      <${FormEnd} problem=${problem} action=${action} submit=${t("notices:give_task")} onCancel=${onClose} />
  <//>`;
}

function TaskDetail({ id, onChanged, onClose }) {
  const name = usePeople();
  const loaded = useItem(`/api/v1/tasks/${id}`, onChanged);
  const [note, setNote] = useState("");
  const action = useAction();
  const task = loaded.data;
  if (loaded.error) return html`<${ErrorBox} error=${loaded.error} onRetry=${loaded.reload} />`;
  if (!task) return html`<${Loading} />`;
  const live = LIVE.includes(task.status);
  const mine = task.assignee_id === me.value?.id;
  const move = (verb) =>
    action.run(async () => {
      await api(`/api/v1/tasks/${id}/${verb}`, { method: "POST", body: { note: note.trim() || null } });
      setNote("");
      loaded.reload();
    });
  return html`<${Panel}
    class="task-detail"
    title=${task.title}
    actions=${html`<${Button} kind="ghost" onClick=${loaded.reload}>${t("notices:refresh")}<//>
      <${CloseButton} onClick=${onClose} />`}
  >
    <dl class="facts">
      <dt>${t("notices:status")}</dt>
      <dd><${TaskStatus} task=${task} /></dd>
      <dt>${t("notices:assignee")}</dt>
      <dd>${name(task.assignee_id)}</dd>
      <dt>${t("notices:given_by")}</dt>
      <dd>${name(task.assigner_id)}</dd>
      <dt>${t("notices:due")}</dt>
      <dd>${task.due_at ? formatTime(task.due_at) : t("notices:no_due")}</dd>
      ${(task.place || task.lon != null) &&
      html`<dt>${t("notices:place")}</dt>
        <dd>
          ${task.place}
          ${task.lon != null && html` <small>(${formatNumber(task.lon, 5)}, ${formatNumber(task.lat, 5)})</small>`}
        </dd>`}
      <dt>${t("notices:created")}</dt>
      <dd>${formatTime(task.created_at)}</dd>
    </dl>
    ${task.description && html`<div class="reader-body">${task.description}</div>`}
    ${live &&
    html`<div class="task-actions">
      <${Field} label=${t("notices:note")}>
        <${TextArea} rows="2" maxlength="2000" value=${note} onValue=${setNote} />
      <//>
      <div class="panel-actions">
        ${mine && task.status === "open" &&
        html`<${Button} busy=${action.busy} onClick=${() => move("acknowledge")}>${t("notices:acknowledge")}<//>`}
        ${mine && html`<${Button} kind="primary" busy=${action.busy} onClick=${() => move("done")}>${t("notices:report_done")}<//>`}
        ${directs() && html`<${Button} kind="danger" busy=${action.busy} onClick=${() => move("cancel")}>${t("notices:cancel_task")}<//>`}
      </div>
    </div>`}
    <${ErrorBox} error=${action.error} />
    <h3 class="section-title">${t("notices:history")}</h3>
    <ol class="timeline">
      ${task.events.map(
        (ev, i) => html`<li key=${i}>
          <time datetime=${ev.at}>${formatTime(ev.at, { seconds: true })}</time>
          <span>
            ${ev.from_status
              ? t("notices:event_moved", {
                  from: t(`notices:task_${ev.from_status}`),
                  to: t(`notices:task_${ev.to_status}`),
                })
              : t("notices:event_created")}
            ${ev.actor_id && html` · <span class="muted">${name(ev.actor_id)}</span>`}
          </span>
          ${ev.note && html`<q>${ev.note}</q>`}
        </li>`,
      )}
    </ol>
  <//>`;
}
