// Recurring plans (周期拜访): a customer in a rep's plan every N weeks, or all the rep's
// partner outlets spread over a cycle; the running ones listed, each stopped in one tap.
import { allItems, api } from "../api.js";
import { directs, me } from "../auth.js";
import { Badge, Button, ErrorBox, Field, Input, Panel, Select, Toolbar } from "../components/basic.js";
import { useAction, useLoad, usePaged } from "../components/hooks.js";
import { PagedTable } from "../components/lists.js";
import { StaffPicker } from "../components/pickers.js";
import { addDays, localDate } from "../dates.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { route, setParams } from "../router.js";
import { useState } from "preact/hooks";

const EVERY = [1, 2, 3, 4, 6, 8];

function NewRule({ staff, onMade }) {
  const customers = useLoad(() => allItems("/api/v1/customers", { owner_id: staff }, { limit: 200, max: 2000 }), [staff]);
  const [form, setForm] = useState({ customer_id: "", kind: "visit", every_weeks: "2", starts_on: addDays(localDate(), 1) });
  const make = useAction();
  const cover = useAction();
  const [covered, setCovered] = useState(null);
  const set = (changes) => setForm({ ...form, ...changes });
  const submit = (e) => {
    e.preventDefault();
    make.run(async () => {
      await api("/api/v1/plan-rules", { method: "POST", body: { ...form, staff_id: staff, every_weeks: Number(form.every_weeks) } });
      onMade();
    });
  };
  const coverPartners = () =>
    cover.run(async () => {
      const made = await api("/api/v1/plan-rules/cover-partners", {
        method: "POST",
        body: { staff_id: staff, kind: form.kind, every_weeks: Number(form.every_weeks), starts_on: form.starts_on },
      });
      setCovered(made.length);
      onMade();
    });
  return html`<${Panel} title=${t("customers:new_rule")} class="new-rule">
    <form class="form-grid" onSubmit=${submit} aria-label=${t("customers:new_rule")}>
      <${Field} label=${t("customers:customer")}>
        <${Select} value=${form.customer_id} required placeholder=${t("customers:choose_customer")} options=${(customers.data ?? []).map((c) => ({ value: c.id, label: c.name }))} onValue=${(customer_id) => set({ customer_id })} />
      <//>
      <${Field} label=${t("customers:stop_kind")}>
        <${Select} value=${form.kind} options=${["visit", "inspection"].map((k) => ({ value: k, label: t(`customers:kind_stop_${k}`) }))} onValue=${(kind) => set({ kind })} />
      <//>
      <${Field} label=${t("customers:every")}>
        <${Select} value=${form.every_weeks} options=${EVERY.map((n) => ({ value: String(n), label: t("customers:every_weeks", { count: n }) }))} onValue=${(every_weeks) => set({ every_weeks })} />
      <//>
      <${Field} label=${t("customers:starts_on")}>
        <${Input} type="date" required value=${form.starts_on} min=${localDate()} onValue=${(starts_on) => set({ starts_on })} />
      <//>
      <div class="panel-actions">
        <${Button} kind="primary" type="submit" busy=${make.busy}>${t("customers:make_rule")}<//>
        <${Button} busy=${cover.busy} onClick=${coverPartners}>${t("customers:cover_partners")}<//>
      </div>
    </form>
    <${ErrorBox} error=${make.error || cover.error || customers.error} />
    ${covered !== null && html`<p class="muted" role="status">${t("customers:covered", { count: covered })}</p>`}
  <//>`;
}

export function Rules() {
  const { staff = me.value?.id } = route.value.params;
  const list = usePaged("/api/v1/plan-rules", { staff_id: staff });
  const stop = useAction();
  const stopRule = (rule) =>
    stop.run(async () => {
      await api(`/api/v1/plan-rules/${rule.id}/stop`, { method: "POST" });
      list.reload();
    });
  const weekday = (day) => new Date(`${day}T12:00:00`).toLocaleDateString(undefined, { weekday: "short" });
  return html`<div class="plan-rules">
    <${Toolbar}>
      ${directs() && html`<${StaffPicker} value=${staff} label=${t("customers:rep")} onValue=${(v) => setParams({ staff: v })} />`}
    <//>
    <${NewRule} key=${staff} staff=${staff} onMade=${list.reload} />
    <${Panel} title=${t("customers:rules")}>
      <${ErrorBox} error=${stop.error} />
      <${PagedTable}
        list=${list}
        empty=${t("customers:no_rules")}
        columns=${[
          { key: "customer", label: t("customers:customer"), render: (r) => r.customer_name },
          { key: "kind", label: t("customers:stop_kind"), render: (r) => t(`customers:kind_stop_${r.kind}`) },
          { key: "every", label: t("customers:every"), render: (r) => html`${t("customers:every_weeks", { count: r.every_weeks })} · ${weekday(r.starts_on)}` },
          { key: "starts_on", label: t("customers:starts_on"), render: (r) => r.starts_on },
          { key: "planned_until", label: t("customers:planned_until"), render: (r) => html`<${Badge}>${r.planned_until ?? "—"}<//>` },
          { key: "stop", label: "", render: (r) => html`<${Button} kind="ghost" busy=${stop.busy} onClick=${() => stopRule(r)}>${t("customers:stop_rule")}<//>` },
        ]}
      />
    <//>
  </div>`;
}
