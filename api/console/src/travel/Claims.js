// Claims: my own, and for those who direct or pay, the claims in their scope by state;
// finance marks approved claims paid in one batch and downloads the export.
import { useState } from "preact/hooks";
import { api, download } from "../api.js";
import { directs, hasRole } from "../auth.js";
import { Button, Checkbox, ErrorBox, Select, Toolbar } from "../components/basic.js";
import { useAction, usePaged } from "../components/hooks.js";
import { PagedTable } from "../components/lists.js";
import { html } from "../html.js";
import { formatNumber, t } from "../i18n.js";
import { route, setParams } from "../router.js";
import { ClaimStatus } from "./Claim.js";
import { Flags } from "../approvals/Subject.js";

const STATUSES = ["draft", "in_approval", "approved", "rejected", "returned", "paid"];

export function Claims() {
  const { status = "", scope = "" } = route.value.params;
  const wide = directs() || hasRole("finance");
  const mine = !wide || scope !== "all";
  const list = usePaged("/api/v1/travel-claims", { mine: mine ? "true" : undefined, status: status || undefined }, { limit: 50 });
  const payer = hasRole("finance", "admin");
  const [chosen, setChosen] = useState(new Set());
  const pay = useAction();
  const toggle = (id, on) => {
    const next = new Set(chosen);
    if (on) next.add(id);
    else next.delete(id);
    setChosen(next);
  };
  const payChosen = () =>
    pay.run(async () => {
      await api("/api/v1/travel-claims/pay", { method: "POST", body: { claim_ids: [...chosen] } });
      setChosen(new Set());
      list.reload();
    });
  const columns = [
    ...(payer && status === "approved"
      ? [{ key: "pick", label: "", render: (c) => html`<span onClick=${(e) => e.stopPropagation()}><${Checkbox} checked=${chosen.has(c.id)} onValue=${(on) => toggle(c.id, on)} label=${t("travel:pick")} /></span>` }]
      : []),
    { key: "purpose", label: t("travel:purpose"), render: (c) => html`<strong>${c.purpose}</strong>` },
    { key: "period", label: t("travel:period"), render: (c) => (c.start === c.end ? c.start : `${c.start} – ${c.end}`) },
    { key: "total", label: t("travel:total"), render: (c) => `${c.currency} ${formatNumber(Number(c.total), 2)}` },
    { key: "gps", label: t("travel:gps"), render: (c) => (c.verification ? html`<${Flags} flags=${c.verification.flags} />` : "–") },
    { key: "status", label: t("travel:status"), render: (c) => html`<${ClaimStatus} status=${c.status} />` },
  ];
  return html`<div class="claims">
    <${Toolbar}>
      <${Button} kind="primary" onClick=${() => setParams({ create: "1" })}>${t("travel:new_claim")}<//>
      ${wide &&
      html`<${Select} value=${mine ? "" : "all"} aria-label=${t("travel:whose")} onValue=${(v) => setParams({ scope: v })}
        options=${[{ value: "", label: t("travel:mine") }, { value: "all", label: t("travel:in_scope") }]} />`}
      <${Select} value=${status} aria-label=${t("travel:status")} placeholder=${t("travel:any_status")} onValue=${(v) => setParams({ status: v })}
        options=${STATUSES.map((s) => ({ value: s, label: t(`travel:status_${s}`) }))} />
      ${payer &&
      html`<${Button} onClick=${() => download("/api/v1/travel-claims/export", { status: "paid" }, "travel-claims-paid.csv")}>${t("travel:export_paid")}<//>`}
      ${payer && status === "approved" &&
      html`<${Button} kind="primary" disabled=${!chosen.size} busy=${pay.busy} onClick=${payChosen} data-action="pay">${t("travel:mark_paid", { count: chosen.size })}<//>`}
    <//>
    <${ErrorBox} error=${pay.error} />
    <${PagedTable} list=${list} columns=${columns} onRow=${(c) => setParams({ claim: c.id })} empty=${t("travel:no_claims")} />
  </div>`;
}
