// While I am away: who decides for me, from when to when; my delegations and those to me.
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { me } from "../auth.js";
import { Button, ErrorBox, Field, Input, Panel } from "../components/basic.js";
import { useAction, usePaged } from "../components/hooks.js";
import { PagedTable } from "../components/lists.js";
import { StaffPicker } from "../components/pickers.js";
import { fromLocalInput } from "../notices/data.js";
import { html } from "../html.js";
import { formatTime, t } from "../i18n.js";

function NewDelegation({ onDone }) {
  const [delegate, setDelegate] = useState("");
  const [starts, setStarts] = useState("");
  const [ends, setEnds] = useState("");
  const action = useAction();
  const submit = (e) => {
    e.preventDefault();
    action.run(async () => {
      await api("/api/v1/delegations", {
        method: "POST",
        body: { delegate_id: delegate, starts_at: fromLocalInput(starts), ends_at: fromLocalInput(ends) },
      });
      setDelegate("");
      onDone();
    });
  };
  return html`<form class="delegation-form" onSubmit=${submit}>
    <${StaffPicker} value=${delegate} label=${t("approvals:delegate")} onValue=${setDelegate} />
    <${Field} label=${t("approvals:from")}><${Input} type="datetime-local" value=${starts} onValue=${setStarts} required /><//>
    <${Field} label=${t("approvals:until")}><${Input} type="datetime-local" value=${ends} onValue=${setEnds} required /><//>
    <${Button} kind="primary" type="submit" busy=${action.busy} disabled=${!delegate}>${t("approvals:delegate_save")}<//>
    <${ErrorBox} error=${action.error} />
  </form>`;
}

export function Delegations() {
  const list = usePaged("/api/v1/delegations", {}, { limit: 50 });
  const end = useAction();
  const remove = (id) =>
    end.run(async () => {
      await api(`/api/v1/delegations/${id}`, { method: "DELETE" });
      list.reload();
    });
  const who = (id) => (id === me.value?.id ? t("approvals:me") : id.slice(0, 8));
  const columns = [
    { key: "from", label: t("approvals:delegator"), render: (x) => x.delegator_name ?? who(x.delegator_id) },
    { key: "to", label: t("approvals:delegate"), render: (x) => x.delegate_name ?? who(x.delegate_id) },
    { key: "starts", label: t("approvals:from"), render: (x) => formatTime(x.starts_at) },
    { key: "ends", label: t("approvals:until"), render: (x) => formatTime(x.ends_at) },
    {
      key: "end",
      label: "",
      render: (x) => x.delegator_id === me.value?.id && html`<${Button} kind="ghost" onClick=${() => remove(x.id)}>${t("approvals:end_delegation")}<//>`,
    },
  ];
  return html`<div class="delegations">
    <${Panel} title=${t("approvals:away")}><${NewDelegation} onDone=${list.reload} /><//>
    <${ErrorBox} error=${end.error} />
    <${PagedTable} list=${list} columns=${columns} empty=${t("approvals:no_delegations")} />
  </div>`;
}
