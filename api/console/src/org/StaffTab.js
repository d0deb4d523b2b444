// Staff of the caller's scope: filtered by unit (with its subtree), role, active and a search,
// read page by page; a person's details; a person created, edited, deactivated, their
// password reset, where the API lets the caller act on them.
import { useEffect, useMemo, useState } from "preact/hooks";
import { api } from "../api.js";
import { Badge, Button, Checkbox, Dialog, ErrorBox, Field, Input, Loading, Select, Table, Toolbar } from "../components/basic.js";
import { useAction, useLoad, usePaged } from "../components/hooks.js";
import { scopeUnits, StaffPicker, UnitPicker } from "../components/pickers.js";
import { html } from "../html.js";
import { formatTime, t } from "../i18n.js";
import { href, route, setParams } from "../router.js";
import { canActOn, grantableRoles, managesStaff, ROLES } from "./access.js";
import { RegisterDialog } from "./DevicesTab.js";

export const PAGE_SIZE = 20;

export function RoleBadges({ roles }) {
  return html`<span class="org-roles">${roles.map((r) => html`<${Badge} key=${r}>${t(`role_${r}`)}<//>`)}</span>`;
}

function ActiveBadge({ active }) {
  return html`<${Badge} tone=${active ? "ok" : "danger"}>${active ? t("org:active") : t("org:inactive")}<//>`;
}

export function StaffTab() {
  const { unit = "", sub = "1", role = "", active = "", q = "", person = "" } = route.value.params;
  const [text, setText] = useState(q);
  useEffect(() => {
    if (text === q) return undefined;
    const timer = setTimeout(() => setParams({ q: text }), 300);
    return () => clearTimeout(timer);
  }, [text]);
  const query = { org_unit: unit, include_subtree: unit ? sub === "1" : undefined, role, active, q };
  const staff = usePaged("/api/v1/staff", query, { limit: PAGE_SIZE });
  const { data: units } = useLoad(() => scopeUnits(), []);
  const unitName = useMemo(() => new Map((units ?? []).map((u) => [u.id, u.name])), [units]);
  const [creating, setCreating] = useState(false);
  const created = (person) => {
    setCreating(false);
    staff.reload();
    setParams({ person: person.id });
  };
  const columns = [
    { key: "name", label: t("org:name"), render: (s) => html`<b class="staff-name">${s.name}</b>` },
    { key: "login", label: t("org:login"), render: (s) => html`<code class="staff-login">${s.login}</code>` },
    { key: "employee_code", label: t("org:employee_code"), render: (s) => s.employee_code ?? "–" },
    { key: "unit", label: t("org_unit"), render: (s) => unitName.get(s.org_unit_id) ?? "–" },
    { key: "roles", label: t("org:roles"), render: (s) => html`<${RoleBadges} roles=${s.roles} />` },
    { key: "active", label: t("org:state"), render: (s) => html`<${ActiveBadge} active=${s.active} />` },
  ];
  return html`<div class="org-staff">
    <${Toolbar}>
      <${UnitPicker} value=${unit} onValue=${(v) => setParams({ unit: v })} />
      ${unit &&
      html`<${Checkbox} label=${t("subtree")} checked=${sub === "1"} onValue=${(v) => setParams({ sub: v ? "1" : "0" })} />`}
      <${Select}
        aria-label=${t("org:role")}
        value=${role}
        onValue=${(v) => setParams({ role: v })}
        placeholder=${t("org:any_role")}
        options=${ROLES.map((r) => ({ value: r, label: t(`role_${r}`) }))}
      />
      <${Select}
        aria-label=${t("org:state")}
        value=${active}
        onValue=${(v) => setParams({ active: v })}
        placeholder=${t("org:any_state")}
        options=${[
          { value: "true", label: t("org:active") },
          { value: "false", label: t("org:inactive") },
        ]}
      />
      <input
        class="input org-search"
        type="search"
        aria-label=${t("search")}
        placeholder=${t("org:search_staff")}
        value=${text}
        onInput=${(e) => setText(e.currentTarget.value)}
      />
      ${managesStaff() && html`<${Button} kind="primary" onClick=${() => setCreating(true)}>${t("org:new_person")}<//>`}
    <//>
    <div class="org-split">
      <div class="org-list">
        <${ErrorBox} error=${staff.error} onRetry=${staff.reload} />
        <${Table}
          columns=${columns}
          rows=${staff.items}
          onRow=${(s) => setParams({ person: s.id })}
          empty=${staff.loading ? t("loading") : t("org:no_staff")}
        />
        <div class="org-more">
          <span class="toolbar-note org-count" aria-live="polite">
            ${t(staff.hasMore ? "org:shown_more" : "org:shown", { count: staff.items.length })}
          </span>
          ${staff.hasMore &&
          html`<${Button} class="org-load-more" busy=${staff.loading} onClick=${staff.loadMore}>${t("more")}<//>`}
        </div>
      </div>
      ${person &&
      html`<${StaffDetail}
        key=${person}
        staffId=${person}
        unitName=${unitName}
        onChanged=${staff.reload}
        onClose=${() => setParams({ person: "" })}
      />`}
    </div>
    ${creating && html`<${StaffForm} onClose=${() => setCreating(false)} onDone=${created} />`}
  </div>`;
}

function StaffDetail({ staffId, unitName, onChanged, onClose }) {
  const info = useLoad(async (signal) => {
    const person = await api(`/api/v1/staff/${staffId}`, { signal });
    const manager = person.manager_id
      ? await api(`/api/v1/staff/${person.manager_id}`, { signal }).catch(() => null)
      : null;
    return { person, manager };
  }, [staffId]);
  const [dialog, setDialog] = useState(null); // edit | password | device
  const action = useAction();
  const [done, setDone] = useState("");
  const p = info.data?.person;
  const act = (fn, message) =>
    action.run(async () => {
      await fn();
      setDone(message);
      info.reload();
      onChanged();
    });
  const may = canActOn(p);
  return html`<aside class="org-side person-detail" aria-label=${p?.name ?? ""}>
    <header class="panel-head">
      <h2>${p?.name ?? ""}</h2>
      <${Button} kind="ghost" aria-label=${t("close")} onClick=${onClose}>✕<//>
    </header>
    ${info.loading && !p && html`<${Loading} />`}
    <${ErrorBox} error=${info.error} onRetry=${info.reload} />
    ${p &&
    html`<dl class="facts">
        <dt>${t("org:login")}</dt><dd><code>${p.login}</code></dd>
        <dt>${t("org:employee_code")}</dt><dd>${p.employee_code ?? "–"}</dd>
        <dt>${t("org_unit")}</dt><dd>${unitName.get(p.org_unit_id) ?? "–"}</dd>
        <dt>${t("org:manager")}</dt><dd>${info.data.manager?.name ?? "–"}</dd>
        <dt>${t("org:roles")}</dt><dd><${RoleBadges} roles=${p.roles} /></dd>
        <dt>${t("org:state")}</dt><dd><${ActiveBadge} active=${p.active} /></dd>
        <dt>${t("org:phone")}</dt><dd>${p.phone ?? "–"}</dd>
        <dt>${t("org:email")}</dt><dd>${p.email ?? "–"}</dd>
        <dt>${t("org:last_login")}</dt><dd>${p.last_login_at ? formatTime(p.last_login_at) : t("org:never")}</dd>
        <dt>${t("org:created")}</dt><dd>${formatTime(p.created_at)}</dd>
      </dl>
      <div class="panel-actions wrap">
        ${may &&
        html`<${Button} kind="primary" onClick=${() => setDialog("edit")}>${t("edit")}<//>
          <${Button} onClick=${() => setDialog("password")}>${t("org:reset_password")}<//>
          ${p.active
            ? html`<${Button} kind="danger" busy=${action.busy} onClick=${() =>
                act(() => api(`/api/v1/staff/${p.id}`, { method: "PATCH", body: { active: false } }), t("org:deactivated"))}
              >${t("org:deactivate")}<//>`
            : html`<${Button} busy=${action.busy} onClick=${() =>
                act(() => api(`/api/v1/staff/${p.id}`, { method: "PATCH", body: { active: true } }), t("org:reactivated"))}
              >${t("org:reactivate")}<//>`}
          <${Button} busy=${action.busy} onClick=${() =>
            act(() => api(`/api/v1/staff/${p.id}/sign-out-everywhere`, { method: "POST" }), t("org:signed_out"))}
          >${t("org:sign_out_everywhere")}<//>`}
        <a class="btn btn-secondary" href=${href("/org", { tab: "devices", person: p.id })}>${t("org:devices_of")}</a>
        ${may && html`<${Button} onClick=${() => setDialog("device")}>${t("org:register_device")}<//>`}
      </div>
      <${ErrorBox} error=${action.error} />
      ${done && html`<p class="note" role="status">${done}</p>`}`}
    ${dialog === "edit" &&
    html`<${StaffForm}
      person=${p}
      manager=${info.data?.manager}
      onClose=${() => setDialog(null)}
      onDone=${() => {
        setDialog(null);
        setDone(t("saved"));
        info.reload();
        onChanged();
      }}
    />`}
    ${dialog === "password" &&
    html`<${PasswordDialog} person=${p} onClose=${() => setDialog(null)} onDone=${() => {
      setDialog(null);
      setDone(t("org:password_reset"));
    }} />`}
    ${dialog === "device" && html`<${RegisterDialog} person=${p} onClose=${() => setDialog(null)} />`}
  </aside>`;
}

/** A new person, or `person` changed (only the fields that changed are sent). */
function StaffForm({ person, onClose, onDone }) {
  const editing = !!person;
  const [f, setF] = useState(() => ({
    login: "",
    password: "",
    name: person?.name ?? "",
    org_unit_id: person?.org_unit_id ?? "",
    manager_id: person?.manager_id ?? "",
    roles: person?.roles ?? ["rep"],
    employee_code: person?.employee_code ?? "",
    phone: person?.phone ?? "",
    email: person?.email ?? "",
  }));
  const set = (key) => (value) => setF((old) => ({ ...old, [key]: value }));
  const grantable = grantableRoles();
  const roleChoices = [...grantable, ...(person?.roles ?? []).filter((r) => !grantable.includes(r))];
  const toggleRole = (role, on) =>
    setF((old) => ({ ...old, roles: on ? [...old.roles, role] : old.roles.filter((r) => r !== role) }));
  const action = useAction();
  const optional = (v) => (v.trim() ? v.trim() : null);
  const submit = (e) => {
    e.preventDefault();
    action.run(async () => {
      if (editing) {
        const body = {};
        const changedTo = (key, value) => {
          if (JSON.stringify(value) !== JSON.stringify(person[key] ?? null)) body[key] = value;
        };
        changedTo("name", f.name.trim());
        changedTo("org_unit_id", f.org_unit_id);
        changedTo("manager_id", f.manager_id || null);
        changedTo("roles", f.roles);
        changedTo("employee_code", optional(f.employee_code));
        changedTo("phone", optional(f.phone));
        changedTo("email", optional(f.email));
        const saved = Object.keys(body).length
          ? await api(`/api/v1/staff/${person.id}`, { method: "PATCH", body })
          : person;
        onDone(saved);
      } else {
        const body = {
          login: f.login.trim(),
          password: f.password,
          name: f.name.trim(),
          org_unit_id: f.org_unit_id,
          roles: f.roles,
        };
        if (f.manager_id) body.manager_id = f.manager_id;
        for (const key of ["employee_code", "phone", "email"]) if (optional(f[key])) body[key] = optional(f[key]);
        onDone(await api("/api/v1/staff", { method: "POST", body }));
      }
    });
  };
  return html`<${Dialog} title=${editing ? t("org:edit_person", { name: person.name }) : t("org:new_person")} onClose=${onClose}>
    <form class="form org-form" onSubmit=${submit}>
      ${!editing &&
      html`<${Field} label=${t("org:login")} hint=${t("org:login_hint")}>
          <${Input} name="login" required minlength="2" maxlength="120" autocomplete="off" value=${f.login} onValue=${set("login")} />
        <//>
        <${Field} label=${t("org:password")} hint=${t("org:password_hint")}>
          <${Input} name="password" type="password" required minlength="8" autocomplete="new-password" value=${f.password} onValue=${set("password")} />
        <//>`}
      <${Field} label=${t("org:name")}><${Input} name="name" required maxlength="200" value=${f.name} onValue=${set("name")} /><//>
      <${Field} label=${t("org_unit")}>
        <${UnitPicker} value=${f.org_unit_id} onValue=${set("org_unit_id")} allowAll=${false} />
      <//>
      <${Field} label=${t("org:manager")}>
        <div class="org-inline">
          <${StaffPicker} value=${f.manager_id} onValue=${set("manager_id")} label=${t("org:manager")} />
          ${f.manager_id &&
          html`<${Button} kind="ghost" aria-label=${t("org:no_manager")} onClick=${() => set("manager_id")("")}>✕<//>`}
        </div>
      <//>
      <${Field} label=${t("org:employee_code")}><${Input} name="employee_code" maxlength="64" value=${f.employee_code} onValue=${set("employee_code")} /><//>
      <${Field} label=${t("org:phone")}><${Input} name="phone" type="tel" value=${f.phone} onValue=${set("phone")} /><//>
      <${Field} label=${t("org:email")}><${Input} name="email" type="email" value=${f.email} onValue=${set("email")} /><//>
      <fieldset class="field field-wide org-role-choices">
        <legend class="field-label">${t("org:roles")}</legend>
        ${roleChoices.map(
          (r) => html`<${Checkbox}
            key=${r}
            name=${`role-${r}`}
            label=${t(`role_${r}`)}
            checked=${f.roles.includes(r)}
            onValue=${(on) => toggleRole(r, on)}
          />`,
        )}
      </fieldset>
      <${ErrorBox} error=${action.error} />
      <div class="dialog-buttons field-wide">
        <${Button} kind="primary" type="submit" busy=${action.busy} disabled=${!f.org_unit_id || !f.roles.length}>
          ${editing ? t("save") : t("create")}
        <//>
        <${Button} onClick=${onClose}>${t("cancel")}<//>
      </div>
    </form>
  <//>`;
}

function PasswordDialog({ person, onClose, onDone }) {
  const [password, setPassword] = useState("");
  const action = useAction();
  const submit = (e) => {
    e.preventDefault();
    action.run(async () => {
      await api(`/api/v1/staff/${person.id}/password`, { method: "POST", body: { password } });
      onDone();
    });
  };
  return html`<${Dialog} title=${t("org:reset_password_for", { name: person.name })} onClose=${onClose}>
    <form class="form org-form" onSubmit=${submit}>
      <${Field} label=${t("org:new_password")} hint=${t("org:password_hint")} wide>
        <${Input} name="new-password" type="password" required minlength="8" autocomplete="new-password" value=${password} onValue=${setPassword} />
      <//>
      <p class="muted field-wide">${t("org:password_reset_note")}</p>
      <${ErrorBox} error=${action.error} />
      <div class="dialog-buttons field-wide">
        <${Button} kind="primary" type="submit" busy=${action.busy}>${t("org:reset_password")}<//>
        <${Button} onClick=${onClose}>${t("cancel")}<//>
      </div>
    </form>
  <//>`;
}
