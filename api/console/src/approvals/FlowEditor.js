// The flow editor (administrators): a request kind's ordered steps, each with its approver
// rule, conditions and authority limit, saved as a new version; and a preview of who would
// approve a sample request under the draft before it is saved.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.js";
import { Button, ErrorBox, Field, Input, Loading, Panel, Select, Toolbar } from "../components/basic.js";
import { useAction, useLoad } from "../components/hooks.js";
import { StaffPicker, UnitPicker } from "../components/pickers.js";
import { html } from "../html.js";
import { formatTime, t } from "../i18n.js";
import { route, setParams } from "../router.js";

const KINDS = ["leave", "travel_claim"];
const RULES = ["manager", "unit_head", "role", "person"];
const ROLES = ["finance", "manager", "supervisor", "admin"];
const CONDITIONS = ["days_over", "amount_over", "leave_type_in", "unit_within"];

function newRule(type) {
  if (type === "role") return { type, role: "finance" };
  if (type === "person") return { type, staff_id: "" };
  return { type, levels: 1 };
}

function newCondition(type) {
  if (type === "leave_type_in") return { type, values: ["annual"] };
  if (type === "unit_within") return { type, org_unit_id: "" };
  return { type, value: 3 };
}

function RuleEditor({ rule, onChange }) {
  return html`<div class="rule">
    <${Select} value=${rule.type} aria-label=${t("approvals:rule")} onValue=${(v) => onChange(newRule(v))}
      options=${RULES.map((r) => ({ value: r, label: t(`approvals:rule_${r}`) }))} />
    ${(rule.type === "manager" || rule.type === "unit_head") &&
    html`<${Input} type="number" min="1" max="10" value=${rule.levels} aria-label=${t("approvals:levels")}
      onValue=${(v) => onChange({ ...rule, levels: Number(v) })} />`}
    ${rule.type === "role" &&
    html`<${Select} value=${rule.role} aria-label=${t("approvals:role")} onValue=${(v) => onChange({ ...rule, role: v })}
      options=${ROLES.map((r) => ({ value: r, label: t(`approvals:role_${r}`) }))} />`}
    ${rule.type === "person" &&
    html`<${StaffPicker} value=${rule.staff_id} label=${t("approvals:person")} onValue=${(id) => onChange({ ...rule, staff_id: id })} />`}
  </div>`;
}

function ConditionEditor({ condition, onChange, onRemove }) {
  const c = condition;
  return html`<div class="condition">
    <${Select} value=${c.type} aria-label=${t("approvals:condition")} onValue=${(v) => onChange(newCondition(v))}
      options=${CONDITIONS.map((x) => ({ value: x, label: t(`approvals:cond_${x}`) }))} />
    ${(c.type === "days_over" || c.type === "amount_over") &&
    html`<${Input} type="number" min="0" step="0.5" value=${c.value} aria-label=${t("approvals:value")} onValue=${(v) => onChange({ ...c, value: Number(v) })} />`}
    ${c.type === "leave_type_in" &&
    html`<${Input} value=${c.values.join(", ")} aria-label=${t("approvals:leave_codes")}
      onValue=${(v) => onChange({ ...c, values: v.split(",").map((x) => x.trim()).filter(Boolean) })} />`}
    ${c.type === "unit_within" &&
    html`<${UnitPicker} value=${c.org_unit_id} allowAll=${false} label=${t("approvals:unit")} onValue=${(id) => onChange({ ...c, org_unit_id: id })} />`}
    <${Button} kind="ghost" aria-label=${t("approvals:remove_condition")} onClick=${onRemove}>✕<//>
  </div>`;
}

function StepEditor({ step, index, count, onChange, onMove, onRemove }) {
  const set = (changes) => onChange({ ...step, ...changes });
  return html`<li class="step-editor" data-step=${index + 1}>
    <header>
      <b>${t("approvals:step_n", { step: index + 1 })}</b>
      <span class="panel-actions">
        <${Button} kind="ghost" disabled=${index === 0} aria-label=${t("approvals:move_up")} onClick=${() => onMove(-1)}>↑<//>
        <${Button} kind="ghost" disabled=${index === count - 1} aria-label=${t("approvals:move_down")} onClick=${() => onMove(1)}>↓<//>
        <${Button} kind="ghost" disabled=${count === 1} aria-label=${t("approvals:remove_step")} onClick=${onRemove}>✕<//>
      </span>
    </header>
    <${Field} label=${t("approvals:approver")}><${RuleEditor} rule=${step.rule} onChange=${(rule) => set({ rule })} /><//>
    <${Field} label=${t("approvals:conditions")} hint=${t("approvals:conditions_hint")}>
      ${(step.conditions ?? []).map(
        (c, k) => html`<${ConditionEditor}
          key=${k}
          condition=${c}
          onChange=${(next) => set({ conditions: step.conditions.map((x, j) => (j === k ? next : x)) })}
          onRemove=${() => set({ conditions: step.conditions.filter((_, j) => j !== k) })}
        />`,
      )}
      <${Button} kind="ghost" onClick=${() => set({ conditions: [...(step.conditions ?? []), newCondition("days_over")] })}>${t("approvals:add_condition")}<//>
    <//>
    <${Field} label=${t("approvals:limit")} hint=${t("approvals:limit_hint")}>
      <${Input} type="number" min="0" step="100" value=${step.limit ?? ""} aria-label=${t("approvals:limit")}
        onValue=${(v) => set({ limit: v === "" ? null : Number(v) })} />
    <//>
  </li>`;
}

function Preview({ kind, draft }) {
  const [requester, setRequester] = useState("");
  const [value, setValue] = useState("");
  const [leaveType, setLeaveType] = useState("annual");
  const action = useAction();
  const [answer, setAnswer] = useState(null);
  const facts = kind === "leave"
    ? { days: value === "" ? undefined : Number(value), leave_type: leaveType || undefined }
    : { amount: value === "" ? undefined : Number(value) };
  const run = () =>
    action.run(async () =>
      setAnswer(await api(`/api/v1/approval-flows/${kind}/preview`, { method: "POST", body: { requester_id: requester, facts, draft } })),
    );
  const name = (id) => answer?.names?.[id] ?? id;
  return html`<${Panel} title=${t("approvals:preview")} class="flow-preview">
    <${StaffPicker} value=${requester} label=${t("approvals:sample_requester")} onValue=${setRequester} />
    <${Field} label=${kind === "leave" ? t("approvals:days_label") : t("approvals:amount")}>
      <${Input} type="number" min="0" value=${value} onValue=${setValue} />
    <//>
    ${kind === "leave" && html`<${Field} label=${t("approvals:leave_type")}><${Input} value=${leaveType} onValue=${setLeaveType} /><//>`}
    <${Button} kind="primary" disabled=${!requester} busy=${action.busy} onClick=${run}>${t("approvals:who_approves")}<//>
    <${ErrorBox} error=${action.error} />
    ${answer &&
    html`<ol class="preview-steps">
      ${answer.steps.map(
        (s) => html`<li data-step=${s.step} class=${s.applies ? "" : "muted"}>
          ${t("approvals:step_n", { step: s.step })}:
          ${s.applies ? s.approver_ids.map(name).join(", ") || t("approvals:to_admins") : t("approvals:skipped")}
          ${s.passes.map((p) => html` <small>(${t(`approvals:reason_${p.reason}`, { defaultValue: p.reason })})</small>`)}
          ${s.above_limit && html` <small>→ ${t("approvals:above_limit", { names: s.above_limit_ids.map(name).join(", ") })}</small>`}
        </li>`,
      )}
    </ol>`}
  <//>`;
}

export function FlowEditor() {
  const kind = KINDS.includes(route.value.params.kind) ? route.value.params.kind : "leave";
  const current = useLoad((abort) => api(`/api/v1/approval-flows/${kind}`, { signal: abort }), [kind]);
  const [draft, setDraft] = useState(null);
  const save = useAction();
  useEffect(() => {
    if (current.data) setDraft({ steps: current.data.steps, restart: current.data.restart });
  }, [current.data]);
  const steps = draft?.steps ?? [];
  const setSteps = (next) => setDraft({ ...draft, steps: next });
  const move = (k, by) => {
    const next = [...steps];
    [next[k], next[k + by]] = [next[k + by], next[k]];
    setSteps(next);
  };
  const submit = () =>
    save.run(async () => {
      await api(`/api/v1/approval-flows/${kind}`, { method: "PUT", body: draft });
      current.reload();
    });
  return html`<div class="flow-editor" data-kind=${kind}>
    <${Toolbar}>
      <${Select} value=${kind} aria-label=${t("approvals:kind")} onValue=${(v) => setParams({ kind: v })}
        options=${KINDS.map((k) => ({ value: k, label: t(`approvals:kind_${k}`) }))} />
      ${current.data &&
      html`<span class="toolbar-note" data-version=${current.data.version}>
        ${t("approvals:version", { version: current.data.version, at: formatTime(current.data.created_at) })}
      </span>`}
    <//>
    <${ErrorBox} error=${current.error} onRetry=${current.reload} />
    ${!draft ? html`<${Loading} />` : html`<div class="flow-columns">
      <${Panel} title=${t("approvals:steps")}>
        <ol class="steps">
          ${steps.map(
            (s, k) => html`<${StepEditor}
              key=${k}
              step=${s}
              index=${k}
              count=${steps.length}
              onChange=${(next) => setSteps(steps.map((x, j) => (j === k ? next : x)))}
              onMove=${(by) => move(k, by)}
              onRemove=${() => setSteps(steps.filter((_, j) => j !== k))}
            />`,
          )}
        </ol>
        <${Button} onClick=${() => setSteps([...steps, { rule: newRule("manager"), conditions: [], limit: null }])}>${t("approvals:add_step")}<//>
        <${Field} label=${t("approvals:restart")}>
          <${Select} value=${draft.restart} onValue=${(v) => setDraft({ ...draft, restart: v })}
            options=${["first_step", "returning_step"].map((r) => ({ value: r, label: t(`approvals:restart_${r}`) }))} />
        <//>
        <${ErrorBox} error=${save.error} />
        <div class="panel-actions">
          <${Button} kind="primary" busy=${save.busy} onClick=${submit}>${t("approvals:save_version")}<//>
        </div>
      <//>
      <${Preview} kind=${kind} draft=${draft} />
    </div>`}
  </div>`;
}
