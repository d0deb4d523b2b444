// Inspections (市场检查) of the outlets in scope, newest first, by grade, inspector and
// days; a row opens the inspection: its score and grade, each item's answer under the
// version of the checklist it was made with, the photos and the corrective actions.
import { api } from "../api.js";
import { directs } from "../auth.js";
import { Badge, ErrorBox, Input, Loading, Panel, Select, Toolbar } from "../components/basic.js";
import { useLoad, usePaged } from "../components/hooks.js";
import { PagedTable, SplitView } from "../components/lists.js";
import { Photo } from "../components/Photos.js";
import { StaffPicker } from "../components/pickers.js";
import { dayStart, isoLocal } from "../dates.js";
import { html } from "../html.js";
import { formatDuration, formatNumber, formatTime, t } from "../i18n.js";
import { CloseButton } from "../notices/parts.js";
import { route, setParams } from "../router.js";
import { GRADE_TONES, local } from "./data.js";
import { Verified } from "./Visits.js";

export function Grade({ grade, critical }) {
  if (!grade) return "—";
  return html`<${Badge} tone=${GRADE_TONES[grade] ?? "neutral"}>${grade}<//>${critical ? html` <${Badge} tone="danger">${t("customers:critical_failed")}<//>` : ""}`;
}

function answerText(item, answer) {
  if (answer === undefined) return "—";
  if (answer === "yes" || answer === "no" || answer === "na") return t(`customers:answer_${answer}`);
  if (item?.answer === "score") return `${formatNumber(answer, 1)} / ${formatNumber(item.max, 1)}`;
  return String(answer);
}

function answerTone(item, answer) {
  if (answer === "no") return item?.critical ? "danger" : "warn";
  if (answer === "yes") return "ok";
  return "neutral";
}

function Answers({ inspection, template }) {
  const given = Object.fromEntries(inspection.answers.map((a) => [a.item, a]));
  return template.sections.map(
    (section) => html`<section class="inspection-section" key=${section.key}>
      <h3>${local(section)}</h3>
      <ul class="answers">
        ${section.items.map((item) => {
          const a = given[item.key];
          return html`<li key=${item.key} data-item=${item.key} class=${`answer answer-${a?.answer ?? "none"}`}>
            <span class="answer-text">${local(item)}${item.critical ? html` <${Badge} tone="danger">${t("customers:critical")}<//>` : ""}</span>
            <${Badge} tone=${answerTone(item, a?.answer)}>${answerText(item, a?.answer)}<//>
            ${a?.photo_id && html`<${Photo} id=${a.photo_id} label=${local(item)} />`}
          </li>`;
        })}
      </ul>
    </section>`,
  );
}

function InspectionDetail({ id }) {
  const { data, error, loading } = useLoad(async () => {
    const inspection = await api(`/api/v1/inspections/${id}`);
    const template = await api(`/api/v1/inspection-templates/${inspection.template_id}`);
    return { inspection, template };
  }, [id]);
  const close = html`<${CloseButton} onClick=${() => setParams({ inspection: "" })} />`;
  if (loading && !data) return html`<${Panel} actions=${close}><${Loading} /><//>`;
  if (error) return html`<${Panel} actions=${close}><${ErrorBox} error=${error} /><//>`;
  const { inspection: i, template } = data;
  return html`<${Panel} class="inspection-detail" title=${i.customer_name} actions=${close}>
    <dl class="facts" data-id=${i.id}>
      <dt>${t("customers:checklist")}</dt><dd>${local(template.name)} · v${template.version}</dd>
      <dt>${t("customers:inspector")}</dt><dd>${i.staff_name}</dd>
      <dt>${t("customers:when")}</dt><dd>${formatTime(i.check_in_at)} · <${Verified} verification=${i.verification} distance=${i.distance_m} /></dd>
      <dt>${t("customers:on_site")}</dt><dd>${formatDuration(i.duration_s)}</dd>
      <dt>${t("customers:score")}</dt><dd class="inspection-score">${i.score == null ? "—" : formatNumber(i.score, 1)} <${Grade} grade=${i.grade} critical=${i.critical_failed} /></dd>
    </dl>
    ${i.corrective_actions.length > 0 &&
    html`<h3>${t("customers:actions")}</h3>
      <ul class="actions-list">
        ${i.corrective_actions.map(
          (a) => html`<li key=${a.id} data-status=${a.status}><${Badge} tone=${a.status === "open" ? "danger" : "ok"}>${t(`customers:action_${a.status}`)}<//> ${local(template.sections.flatMap((s) => s.items).find((x) => x.key === a.item_key)) || a.item_key}${a.due_on ? ` · ${t("customers:due", { day: a.due_on })}` : ""}</li>`,
        )}
      </ul>`}
    <${Answers} inspection=${i} template=${template} />
  <//>`;
}

export function Inspections() {
  const { staff = "", grade = "", from = "", to = "", inspection = "" } = route.value.params;
  const list = usePaged("/api/v1/inspections", {
    staff_id: staff || undefined,
    grade: grade || undefined,
    from: from ? isoLocal(dayStart(from)) : undefined,
    to: to ? isoLocal(dayStart(to, 1)) : undefined,
  });
  const columns = [
    { key: "at", label: t("customers:when"), render: (i) => formatTime(i.check_in_at) },
    { key: "customer", label: t("customers:customer"), render: (i) => i.customer_name },
    { key: "staff", label: t("customers:inspector"), render: (i) => i.staff_name },
    { key: "template", label: t("customers:checklist"), render: (i) => `${local(i.template_name)} v${i.template_version}` },
    { key: "score", label: t("customers:score"), render: (i) => (i.score == null ? "—" : formatNumber(i.score, 1)) },
    { key: "grade", label: t("customers:grade"), render: (i) => html`<${Grade} grade=${i.grade} critical=${i.critical_failed} />` },
    { key: "actions", label: t("customers:actions"), render: (i) => i.corrective_actions.filter((a) => a.inspection_id === i.id).length || "" },
  ];
  return html`<div class="inspections-page">
    <${SplitView}
      list=${html`<${Toolbar}>
          ${directs() && html`<${StaffPicker} value=${staff} label=${t("customers:inspector")} onValue=${(v) => setParams({ staff: v })} />`}
          <${Select} value=${grade} aria-label=${t("customers:grade")} placeholder=${t("customers:any_grade")} options=${["A", "B", "C", "D"].map((g) => ({ value: g, label: g }))} onValue=${(v) => setParams({ grade: v })} />
          <${Input} type="date" value=${from} aria-label=${t("customers:from")} onValue=${(v) => setParams({ from: v })} />
          <${Input} type="date" value=${to} aria-label=${t("customers:to")} onValue=${(v) => setParams({ to: v })} />
        <//>
        <${PagedTable} list=${list} columns=${columns} onRow=${(i) => setParams({ inspection: i.id })} empty=${t("customers:no_inspections")} />`}
      side=${inspection && html`<${InspectionDetail} key=${inspection} id=${inspection} />`}
    />
  </div>`;
}
