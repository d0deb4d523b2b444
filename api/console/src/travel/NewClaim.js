// A new claim: the trip (purpose, dates), its legs (place, coordinates, date, transport)
// and its expense lines; saved as a draft or submitted at once (the API checks it against
// the GPS trail on submission).
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { Button, ErrorBox, Field, Input, Panel, Select } from "../components/basic.js";
import { useAction } from "../components/hooks.js";
import { localDate } from "../dates.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { setParams } from "../router.js";

const MODES = ["car", "train", "plane", "bus", "taxi", "other"];
const CATEGORIES = ["transport", "lodging", "meals", "mileage", "other"];

const newLeg = (day) => ({ place: "", lon: "", lat: "", date: day, mode: "car" });
const newLine = (day) => ({ category: "meals", date: day, amount: "", claimed_km: "" });

function Rows({ rows, setRows, render, add, label }) {
  return html`<fieldset class="rows">
    <legend>${label}</legend>
    ${rows.map(
      (row, k) => html`<div class="row" key=${k}>
        ${render(row, (changes) => setRows(rows.map((r, j) => (j === k ? { ...r, ...changes } : r))))}
        <${Button} kind="ghost" aria-label=${t("travel:remove_row")} onClick=${() => setRows(rows.filter((_, j) => j !== k))}>✕<//>
      </div>`,
    )}
    <${Button} kind="ghost" onClick=${() => setRows([...rows, add()])}>${t("travel:add_row")}<//>
  </fieldset>`;
}

export function NewClaim({ currency }) {
  const today = localDate();
  const [purpose, setPurpose] = useState("");
  const [start, setStart] = useState(today);
  const [end, setEnd] = useState(today);
  const [legs, setLegs] = useState([newLeg(today)]);
  const [lines, setLines] = useState([newLine(today)]);
  const action = useAction();
  const body = () => ({
    purpose,
    start,
    end,
    legs: legs.map((l) => ({ place: l.place, lon: Number(l.lon), lat: Number(l.lat), date: l.date || undefined, mode: l.mode })),
    lines: lines.map((l) => ({
      category: l.category,
      date: l.date,
      amount: l.amount,
      currency,
      ...(l.category === "mileage" ? { claimed_km: Number(l.claimed_km) } : {}),
    })),
  });
  const save = (submit) =>
    action.run(async () => {
      let claim = await api("/api/v1/travel-claims", { method: "POST", body: body() });
      if (submit) claim = await api(`/api/v1/travel-claims/${claim.id}/submit`, { method: "POST" });
      setParams({ create: "", claim: claim.id });
    });
  return html`<${Panel} title=${t("travel:new_claim")} class="new-claim">
    <form aria-label=${t("travel:new_claim")} onSubmit=${(e) => (e.preventDefault(), save(true))}>
      <${Field} label=${t("travel:purpose")} wide><${Input} name="purpose" value=${purpose} onValue=${setPurpose} required maxlength="500" /><//>
      <${Field} label=${t("travel:from")}><${Input} type="date" name="start" value=${start} onValue=${setStart} required /><//>
      <${Field} label=${t("travel:until")}><${Input} type="date" name="end" value=${end} onValue=${setEnd} required /><//>
      <${Rows} label=${t("travel:legs")} rows=${legs} setRows=${setLegs} add=${() => newLeg(start)}
        render=${(l, set) => html`
          <${Input} aria-label=${t("travel:place")} placeholder=${t("travel:place")} value=${l.place} onValue=${(v) => set({ place: v })} />
          <${Input} aria-label=${t("travel:lon")} placeholder=${t("travel:lon")} type="number" step="any" value=${l.lon} onValue=${(v) => set({ lon: v })} />
          <${Input} aria-label=${t("travel:lat")} placeholder=${t("travel:lat")} type="number" step="any" value=${l.lat} onValue=${(v) => set({ lat: v })} />
          <${Input} aria-label=${t("travel:date")} type="date" value=${l.date} onValue=${(v) => set({ date: v })} />
          <${Select} aria-label=${t("travel:mode")} value=${l.mode} onValue=${(v) => set({ mode: v })} options=${MODES.map((m) => ({ value: m, label: t(`travel:mode_${m}`) }))} />`} />
      <${Rows} label=${t("travel:lines")} rows=${lines} setRows=${setLines} add=${() => newLine(start)}
        render=${(l, set) => html`
          <${Select} aria-label=${t("travel:category")} value=${l.category} onValue=${(v) => set({ category: v })} options=${CATEGORIES.map((c) => ({ value: c, label: t(`travel:cat_${c}`) }))} />
          <${Input} aria-label=${t("travel:date")} type="date" value=${l.date} onValue=${(v) => set({ date: v })} />
          <${Input} aria-label=${t("travel:amount")} placeholder=${`${t("travel:amount")} (${currency})`} type="number" step="0.01" min="0" value=${l.amount} onValue=${(v) => set({ amount: v })} />
          ${l.category === "mileage" && html`<${Input} aria-label=${t("travel:km")} placeholder=${t("travel:km")} type="number" step="0.1" min="0" value=${l.claimed_km} onValue=${(v) => set({ claimed_km: v })} />`}`} />
      <${ErrorBox} error=${action.error} />
      <div class="panel-actions">
        <${Button} kind="primary" type="submit" busy=${action.busy}>${t("travel:submit")}<//>
        <${Button} onClick=${() => save(false)} disabled=${action.busy}>${t("travel:save_draft")}<//>
        <${Button} kind="ghost" onClick=${() => setParams({ create: "" })}>${t("cancel")}<//>
      </div>
    </form>
  <//>`;
}
