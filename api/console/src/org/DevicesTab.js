// Devices of the caller's scope: the list (by person, revoked ones on request), a device
// registered for a person, revoked, or given new credentials; a tracker app's setup code
// (QR and link) shown once, right after the API issued the credentials.
import { useMemo, useState } from "preact/hooks";
import { allItems, api } from "../api.js";
import { Badge, Button, Checkbox, Dialog, ErrorBox, Field, Input, Select, Table, Toolbar } from "../components/basic.js";
import { useAction, useLoad, usePaged } from "../components/hooks.js";
import { StaffPicker } from "../components/pickers.js";
import { html } from "../html.js";
import { formatAge, formatTime, t } from "../i18n.js";
import { route, setParams } from "../router.js";
import { canActOn, PLATFORMS, PROTOCOLS } from "./access.js";
import { SetupCode } from "./SetupCode.js";
import { TRACKER_PROTOCOLS } from "./setup.js";

export function DevicesTab() {
  const { person = "", revoked = "" } = route.value.params;
  const devices = usePaged("/api/v1/devices", { staff_id: person, include_revoked: revoked === "1" || undefined }, { limit: 20 });
  const staff = useLoad(() => allItems("/api/v1/staff"), []);
  const people = useMemo(() => new Map((staff.data ?? []).map((s) => [s.id, s])), [staff.data]);
  const [dialog, setDialog] = useState(null); // {kind: register|rotate|revoke, device?}
  const closed = (changed) => {
    setDialog(null);
    if (changed) devices.reload();
  };
  const columns = [
    { key: "person", label: t("person"), render: (d) => people.get(d.staff_id)?.name ?? "–" },
    { key: "name", label: t("org:device_name"), render: (d) => d.name ?? "–" },
    { key: "protocol", label: t("org:protocol"), render: (d) => t(`org:protocol_${d.protocol}`) },
    { key: "platform", label: t("org:platform"), render: (d) => t(`org:platform_${d.platform}`) },
    { key: "fingerprint", label: t("org:fingerprint"), render: (d) => html`<code>${d.fingerprint}</code>` },
    {
      key: "last_seen_at",
      label: t("org:last_seen"),
      render: (d) =>
        d.last_seen_at
          ? html`<span title=${formatTime(d.last_seen_at)}>${formatAge(d.last_seen_at)}</span>`
          : t("org:never"),
    },
    {
      key: "state",
      label: t("org:state"),
      render: (d) =>
        d.revoked_at
          ? html`<${Badge} tone="danger">${t("org:revoked")}<//>`
          : html`<${Badge} tone="ok">${t("org:active")}<//>`,
    },
    {
      key: "actions",
      label: t("org:actions"),
      render: (d) =>
        !d.revoked_at &&
        canActOn(people.get(d.staff_id)) &&
        html`<span class="org-row-actions">
          <${Button} onClick=${() => setDialog({ kind: "rotate", device: d })}>
            ${TRACKER_PROTOCOLS.includes(d.protocol) ? t("org:new_setup_code") : t("org:new_credentials")}
          <//>
          <${Button} kind="danger" onClick=${() => setDialog({ kind: "revoke", device: d })}>${t("org:revoke")}<//>
        </span>`,
    },
  ];
  return html`<div class="org-devices">
    <${Toolbar}>
      <${StaffPicker} value=${person} onValue=${(v) => setParams({ person: v })} />
      ${person && html`<${Button} kind="ghost" onClick=${() => setParams({ person: "" })}>${t("org:everyone")}<//>`}
      <${Checkbox}
        label=${t("org:include_revoked")}
        checked=${revoked === "1"}
        onValue=${(v) => setParams({ revoked: v ? "1" : "" })}
      />
      <${Button} kind="primary" onClick=${() => setDialog({ kind: "register" })}>${t("org:register_device")}<//>
    <//>
    <${ErrorBox} error=${devices.error || staff.error} onRetry=${devices.reload} />
    <${Table} columns=${columns} rows=${devices.items} empty=${devices.loading ? t("loading") : t("org:no_devices")} />
    <div class="org-more">
      <span class="toolbar-note org-count" aria-live="polite">
        ${t(devices.hasMore ? "org:devices_shown_more" : "org:devices_shown", { count: devices.items.length })}
      </span>
      ${devices.hasMore && html`<${Button} busy=${devices.loading} onClick=${devices.loadMore}>${t("more")}<//>`}
    </div>
    ${dialog?.kind === "register" &&
    html`<${RegisterDialog} person=${people.get(person)} onClose=${closed} />`}
    ${dialog?.kind === "rotate" &&
    html`<${RotateDialog} device=${dialog.device} person=${people.get(dialog.device.staff_id)} onClose=${closed} />`}
    ${dialog?.kind === "revoke" &&
    html`<${RevokeDialog} device=${dialog.device} person=${people.get(dialog.device.staff_id)} onClose=${closed} />`}
  </div>`;
}

/** Registers a device for `person` (or one chosen here); then shows its setup code once. */
export function RegisterDialog({ person: given, onClose }) {
  const [person, setPerson] = useState(given ?? null);
  const [platform, setPlatform] = useState("android");
  const [protocol, setProtocol] = useState("owntracks");
  const [name, setName] = useState("");
  const [issued, setIssued] = useState(null);
  const action = useAction();
  const submit = (e) => {
    e.preventDefault();
    action.run(async () => {
      setIssued(
        await api("/api/v1/devices", {
          method: "POST",
          body: { staff_id: person.id, platform, protocol, name: name.trim() || undefined },
        }),
      );
    });
  };
  const title = person ? t("org:register_for", { name: person.name }) : t("org:register_device");
  if (issued) {
    return html`<${Dialog}
      title=${title}
      onClose=${() => onClose(true)}
      actions=${html`<${Button} kind="primary" onClick=${() => onClose(true)}>${t("org:done")}<//>`}
    >
      <p role="status">${t("org:registered", { protocol: t(`org:protocol_${issued.protocol}`) })}</p>
      <${SetupCode} issued=${issued} person=${person} />
    <//>`;
  }
  return html`<${Dialog} title=${title} onClose=${() => onClose(false)}>
    <form class="form org-form" onSubmit=${submit}>
      ${!given &&
      html`<${Field} label=${t("person")} wide>
        <${StaffPicker} value=${person?.id ?? ""} onValue=${(id, s) => setPerson(s ?? { id })} />
      <//>`}
      <${Field} label=${t("org:protocol")} hint=${t(`org:protocol_hint_${protocol}`)} wide>
        <${Select}
          name="protocol"
          value=${protocol}
          onValue=${setProtocol}
          options=${PROTOCOLS.map((p) => ({ value: p, label: t(`org:protocol_${p}`) }))}
        />
      <//>
      <${Field} label=${t("org:platform")}>
        <${Select}
          name="platform"
          value=${platform}
          onValue=${setPlatform}
          options=${PLATFORMS.map((p) => ({ value: p, label: t(`org:platform_${p}`) }))}
        />
      <//>
      <${Field} label=${t("org:device_name")}>
        <${Input} name="device-name" maxlength="120" placeholder=${t("org:device_name_hint")} value=${name} onValue=${setName} />
      <//>
      <${ErrorBox} error=${action.error} />
      <div class="dialog-buttons field-wide">
        <${Button} kind="primary" type="submit" busy=${action.busy} disabled=${!person}>${t("org:register")}<//>
        <${Button} onClick=${() => onClose(false)}>${t("cancel")}<//>
      </div>
    </form>
  <//>`;
}

/** New credentials for a device: the old ones stop working at once. */
function RotateDialog({ device, person, onClose }) {
  const [issued, setIssued] = useState(null);
  const action = useAction();
  const rotate = () =>
    action.run(async () => setIssued(await api(`/api/v1/devices/${device.id}/secret`, { method: "POST" })));
  const label = TRACKER_PROTOCOLS.includes(device.protocol) ? t("org:new_setup_code") : t("org:new_credentials");
  return html`<${Dialog}
    title=${`${label}: ${person?.name ?? device.fingerprint}`}
    onClose=${() => onClose(!!issued)}
    actions=${issued
      ? html`<${Button} kind="primary" onClick=${() => onClose(true)}>${t("org:done")}<//>`
      : html`<${Button} kind="primary" busy=${action.busy} onClick=${rotate}>${label}<//>
          <${Button} onClick=${() => onClose(false)}>${t("cancel")}<//>`}
  >
    ${issued
      ? html`<${SetupCode} issued=${issued} person=${person} />`
      : html`<p>${t("org:rotate_warning", { fingerprint: device.fingerprint })}</p>`}
    <${ErrorBox} error=${action.error} />
  <//>`;
}

function RevokeDialog({ device, person, onClose }) {
  const action = useAction();
  const revoke = () =>
    action.run(async () => {
      await api(`/api/v1/devices/${device.id}/revoke`, { method: "POST" });
      onClose(true);
    });
  return html`<${Dialog}
    title=${t("org:revoke_title", { name: person?.name ?? "", fingerprint: device.fingerprint })}
    onClose=${() => onClose(false)}
    actions=${html`<${Button} kind="danger" busy=${action.busy} onClick=${revoke}>${t("org:revoke")}<//>
      <${Button} onClick=${() => onClose(false)}>${t("cancel")}<//>`}
  >
    <p>${t("org:revoke_warning")}</p>
    <${ErrorBox} error=${action.error} />
  <//>`;
}
