// 业务通知: compose a notice to org units (with their subtree), roles and/or people, now or
// at a set time; the notices one sent, each with its read receipts and who has not read it.
import { useMemo, useState } from "preact/hooks";
import { allItems, api } from "../api.js";
import {
  Badge,
  Button,
  Checkbox,
  ErrorBox,
  Field,
  Input,
  Loading,
  Panel,
  Table,
  Tabs,
  TextArea,
  Toolbar,
} from "../components/basic.js";
import { useAction, useInterval, useLoad, usePaged } from "../components/hooks.js";
import { scopeUnits, StaffPicker, UnitPicker } from "../components/pickers.js";
import { html } from "../html.js";
import { formatNumber, formatTime, t } from "../i18n.js";
import { route, setParams } from "../router.js";
import { fromLocalInput, PAGE_SIZE, useItem, usePeople } from "./data.js";
import { ChosenChip, CloseButton, FormEnd, FormPanel, ListAndPane } from "./parts.js";

export const ROLES = ["rep", "supervisor", "manager", "finance", "admin"];
const RECEIPTS_REFRESH_MS = 30_000;

export function noticeState(notice) {
  if (notice.cancelled_at) return "cancelled";
  return notice.sent_at ? "sent" : "scheduled";
}

const STATE_TONES = { sent: "ok", scheduled: "warn", cancelled: "neutral" };

function StateBadge({ notice }) {
  const state = noticeState(notice);
  return html`<${Badge} tone=${STATE_TONES[state]}>${t(`notices:state_${state}`)}<//>`;
}

function readShare(notice) {
  if (!notice.sent_at) return "–";
  return t("notices:read_of", { read: formatNumber(notice.read), total: formatNumber(notice.recipients) });
}

export function Notices() {
  const list = usePaged("/api/v1/notices", {}, { limit: PAGE_SIZE });
  const columns = [
    { key: "title", label: t("notices:title"), render: (n) => html`<strong>${n.title}</strong>` },
    { key: "when", label: t("notices:when"), render: (n) => formatTime(n.sent_at ?? n.send_at) },
    { key: "state", label: t("notices:state"), render: (n) => html`<${StateBadge} notice=${n} />` },
    { key: "recipients", label: t("notices:recipients"), class: "num", render: (n) => (n.sent_at ? formatNumber(n.recipients) : "–") },
    { key: "read", label: t("notices:read"), class: "num", render: readShare },
  ];
  return html`<${ListAndPane}
    list=${list}
    toolbar=${html`<${Toolbar}>
      <${Button} kind="primary" onClick=${() => setParams({ compose: "1", notice: "" })}>${t("notices:compose")}<//>
      <${Button} kind="ghost" onClick=${list.reload}>${t("notices:refresh")}<//>
      <span class="toolbar-note">${t("notices:sent_intro")}</span>
    <//>`}
    columns=${columns}
    empty=${t("notices:no_notices")}
    open="notice"
    create="compose"
    reset=${{ show: "" }}
    Form=${ComposeNotice}
    Detail=${NoticeDetail}
  />`;
}

function ComposeNotice({ onClose, onMade }) {
  const units = useLoad(() => scopeUnits(), []);
  const [title, setTitle] = useState("");
  const [body, setBody] = useState("");
  const [unitIds, setUnitIds] = useState([]);
  const [subtree, setSubtree] = useState(true);
  const [roles, setRoles] = useState([]);
  const [people, setPeople] = useState([]);
  const [later, setLater] = useState(false);
  const [sendAt, setSendAt] = useState("");
  const [picks, setPicks] = useState(0); // remounts the pickers after each choice
  const [problem, setProblem] = useState("");
  const action = useAction();
  const unitName = (id) => units.data?.find((u) => u.id === id)?.name ?? id;

  const addUnit = (id) => {
    if (id && !unitIds.includes(id)) setUnitIds([...unitIds, id]);
    setPicks(picks + 1);
  };
  const addPerson = (id, person) => {
    if (id && !people.some((p) => p.id === id)) setPeople([...people, { id, name: person?.name ?? id }]);
    setPicks(picks + 1);
  };
  const toggleRole = (role, on) => setRoles(on ? [...roles, role] : roles.filter((r) => r !== role));

  const send = (e) => {
    e.preventDefault();
    setProblem("");
    if (!unitIds.length && !people.length) return setProblem(t("notices:need_audience"));
    if (later && !sendAt) return setProblem(t("notices:need_send_at"));
    return action.run(async () => {
      const notice = await api("/api/v1/notices", {
        method: "POST",
        body: {
          title,
          body,
          org_unit_ids: unitIds,
          include_subtree: subtree,
          roles: roles.length ? roles : undefined,
          staff_ids: people.length ? people.map((p) => p.id) : undefined,
          send_at: later ? fromLocalInput(sendAt) : undefined,
        },
      });
      onMade(notice);
    });
  };

  return html`<${FormPanel} title=${t("notices:compose")} onClose=${onClose} onSubmit=${send}>
      <${Field} label=${t("notices:title")}>
        <${Input} name="title" required maxlength="200" value=${title} onValue=${setTitle} />
      <//>
      <${Field} label=${t("notices:body")}>
        <${TextArea} name="body" required rows="5" maxlength="10000" value=${body} onValue=${setBody} />
      <//>
      <fieldset class="audience">
        <legend>${t("notices:audience")}</legend>
        <div class="field">
          <span class="field-label">${t("notices:to_units")}</span>
          <div class="chosen-list">
            ${unitIds.map((id) => html`<${ChosenChip} key=${id} label=${unitName(id)} onRemove=${() => setUnitIds(unitIds.filter((u) => u !== id))} />`)}
          </div>
          <${UnitPicker} key=${`u${picks}`} value="" allowAll=${false} label=${t("notices:add_unit")} onValue=${addUnit} />
          <${Checkbox} checked=${subtree} onValue=${setSubtree} label=${t("notices:with_subtree")} />
        </div>
        <div class="field">
          <span class="field-label">${t("notices:only_roles")}</span>
          <div class="role-list">
            ${ROLES.map((r) => html`<${Checkbox} key=${r} checked=${roles.includes(r)} onValue=${(on) => toggleRole(r, on)} label=${t(`role_${r}`)} />`)}
          </div>
          <span class="field-hint">${t("notices:roles_hint")}</span>
        </div>
        <div class="field">
          <span class="field-label">${t("notices:to_people")}</span>
          <div class="chosen-list">
            ${people.map((p) => html`<${ChosenChip} key=${p.id} label=${p.name} onRemove=${() => setPeople(people.filter((x) => x.id !== p.id))} />`)}
          </div>
          <${StaffPicker} key=${`p${picks}`} value="" label=${t("notices:add_person")} onValue=${addPerson} />
        </div>
      </fieldset>
      <div class="field">
        <${Checkbox} checked=${later} onValue=${setLater} label=${t("notices:send_later")} />
        ${later &&
        html`<${Input} type="datetime-local" aria-label=${t("notices:send_at")} value=${sendAt} onValue=${setSendAt} />`}
      </div>
      <${FormEnd} problem=${problem} action=${action} submit=${later ? t("notices:schedule") : t("notices:send")} onCancel=${onClose} />
  <//>`;
}

function NoticeDetail({ id, onChanged, onClose }) {
  const { show = "" } = route.value.params;
  const notice = useItem(`/api/v1/notices/${id}`, onChanged);
  const receipts = useLoad(
    () => allItems(`/api/v1/notices/${id}/receipts`, { read: show === "read" ? "true" : show === "unread" ? "false" : undefined }),
    [id, show],
  );
  const refresh = () => {
    notice.reload();
    receipts.reload();
  };
  useInterval(refresh, RECEIPTS_REFRESH_MS);
  const cancel = useAction();
  const n = notice.data;
  if (notice.error) return html`<${ErrorBox} error=${notice.error} onRetry=${notice.reload} />`;
  if (!n) return html`<${Loading} />`;
  const unreadCount = n.recipients - n.read;
  const doCancel = () =>
    cancel.run(async () => {
      await api(`/api/v1/notices/${id}/cancel`, { method: "POST" });
      notice.reload();
    });
  return html`<${Panel}
    class="notice-detail"
    title=${n.title}
    actions=${html`<${Button} kind="ghost" onClick=${refresh}>${t("notices:refresh")}<//>
      <${CloseButton} onClick=${onClose} />`}
  >
    <dl class="facts">
      <dt>${t("notices:state")}</dt>
      <dd><${StateBadge} notice=${n} /></dd>
      <dt>${n.sent_at ? t("notices:sent_at") : t("notices:send_at")}</dt>
      <dd>${formatTime(n.sent_at ?? n.send_at)}</dd>
      <dt>${t("notices:audience")}</dt>
      <dd><${AudienceText} audience=${n.audience} /></dd>
    </dl>
    <div class="reader-body">${n.body}</div>
    ${!n.sent_at && !n.cancelled_at &&
    html`<div class="panel-actions wrap">
      <${Button} kind="danger" busy=${cancel.busy} onClick=${doCancel}>${t("notices:cancel_notice")}<//>
    </div>`}
    <${ErrorBox} error=${cancel.error} />
    <h3 class="section-title">${t("notices:receipts")}</h3>
    ${n.sent_at
      ? html`<${Tabs}
            value=${show}
            onValue=${(v) => setParams({ show: v })}
            tabs=${[
              { value: "", label: t("notices:receipts_all", { count: n.recipients }) },
              { value: "read", label: t("notices:receipts_read", { count: n.read }) },
              { value: "unread", label: t("notices:receipts_unread", { count: unreadCount }) },
            ]}
          />
          <${ErrorBox} error=${receipts.error} onRetry=${receipts.reload} />
          ${receipts.loading && !receipts.data
            ? html`<${Loading} />`
            : html`<${Table}
                rowKey=${(r) => r.staff_id}
                columns=${[
                  { key: "name", label: t("person") },
                  { key: "delivered_at", label: t("notices:delivered"), render: (r) => formatTime(r.delivered_at) },
                  {
                    key: "read_at",
                    label: t("notices:read"),
                    render: (r) =>
                      r.read_at
                        ? html`<span class="receipt-read">${formatTime(r.read_at)}</span>`
                        : html`<${Badge} tone="warn">${t("notices:not_read")}<//>`,
                  },
                ]}
                rows=${receipts.data ?? []}
                empty=${show === "unread" ? t("notices:everyone_read") : t("notices:no_receipts")}
              />`}`
      : html`<p class="muted">${n.cancelled_at ? t("notices:was_cancelled") : t("notices:not_sent_yet", { time: formatTime(n.send_at) })}</p>`}
  <//>`;
}

function AudienceText({ audience }) {
  const units = useLoad(() => scopeUnits(), []);
  const name = usePeople();
  const parts = useMemo(() => {
    const out = [];
    const ids = audience.org_unit_ids ?? [];
    if (ids.length) {
      const names = ids.map((id) => units.data?.find((u) => u.id === id)?.name ?? t("notices:some_unit"));
      out.push(names.join(", ") + (audience.include_subtree ? ` (${t("notices:and_below")})` : ""));
    }
    if (audience.roles?.length) out.push(t("notices:roles_only", { roles: audience.roles.map((r) => t(`role_${r}`)).join(", ") }));
    if (audience.staff_ids?.length) out.push(audience.staff_ids.map(name).join(", "));
    return out;
  }, [audience, units.data, name]);
  return html`${parts.map((p) => html`<div>${p}</div>`)}`;
}
