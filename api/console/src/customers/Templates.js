// The inspection template editor: the newest version of each checklist; an administrator
// changes names, sections and items (weight, answer type, photo, critical) and saves, which
// stores the next version (inspections keep the version they were made with).
import { api } from "../api.js";
import { hasRole } from "../auth.js";
import { Badge, Button, Checkbox, ErrorBox, Field, Input, Loading, Panel, Select, Table } from "../components/basic.js";
import { useAction, useLoad } from "../components/hooks.js";
import { SplitView } from "../components/lists.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { route, setParams } from "../router.js";
import { useState } from "preact/hooks";
import { ANSWER_TYPES, local } from "./data.js";

const copy = (value) => JSON.parse(JSON.stringify(value));

function freeKey(draft, stem) {
  const used = new Set(draft.sections.flatMap((s) => [s.key, ...s.items.map((i) => i.key)]));
  let n = 1;
  while (used.has(`${stem}_${n}`)) n += 1;
  return `${stem}_${n}`;
}

function ItemRow({ item, onChange, onRemove }) {
  const set = (changes) => onChange({ ...item, ...changes });
  const setType = (answer) => set({ answer, max: answer === "score" ? item.max ?? 10 : null, critical: answer === "yes_no" ? item.critical : false });
  return html`<li class="template-item" data-item=${item.key}>
    <div class="template-item-texts">
      <${Input} value=${item.zh} aria-label=${t("customers:text_zh")} onValue=${(zh) => set({ zh })} />
      <${Input} value=${item.en} aria-label=${t("customers:text_en")} onValue=${(en) => set({ en })} />
    </div>
    <div class="template-item-rules">
      <${Field} label=${t("customers:weight")}>
        <${Input} type="number" min="0" max="100" step="0.5" value=${item.weight} class="input weight" onValue=${(v) => set({ weight: v === "" ? "" : Number(v) })} />
      <//>
      <${Field} label=${t("customers:answer_type")}>
        <${Select} value=${item.answer ?? "yes_no"} options=${ANSWER_TYPES.map((a) => ({ value: a, label: t(`customers:answer_type_${a}`) }))} onValue=${setType} />
      <//>
      ${(item.answer ?? "yes_no") === "score" &&
      html`<${Field} label=${t("customers:max")}>
        <${Input} type="number" min="1" value=${item.max} onValue=${(v) => set({ max: Number(v) })} />
      <//>`}
      <${Checkbox} checked=${item.photo} label=${t("customers:photo_required")} onValue=${(photo) => set({ photo })} />
      <${Checkbox} checked=${item.critical} disabled=${(item.answer ?? "yes_no") !== "yes_no"} label=${t("customers:critical")} onValue=${(critical) => set({ critical })} />
      <${Button} kind="ghost" aria-label=${t("customers:remove_item")} onClick=${onRemove}>✕<//>
    </div>
  </li>`;
}

function Editor({ template, onSaved }) {
  const [draft, setDraft] = useState(() => copy(template));
  const save = useAction();
  const editable = hasRole("admin");
  const setSection = (k, section) => setDraft({ ...draft, sections: draft.sections.map((s, j) => (j === k ? section : s)) });
  const addItem = (k) => {
    const section = draft.sections[k];
    const item = { key: freeKey(draft, "item"), zh: "新检查项", en: "New item", weight: 1, answer: "yes_no", photo: false, critical: false };
    setSection(k, { ...section, items: [...section.items, item] });
  };
  const addSection = () => {
    const key = freeKey(draft, "section");
    const item = { key: freeKey(draft, "item"), zh: "新检查项", en: "New item", weight: 1, answer: "yes_no", photo: false, critical: false };
    setDraft({ ...draft, sections: [...draft.sections, { key, zh: "新分区", en: "New section", items: [item] }] });
  };
  const submit = (e) => {
    e.preventDefault();
    save.run(async () => {
      const body = { key: draft.key, name: draft.name, scoring: draft.scoring, sections: draft.sections };
      const saved = await api(`/api/v1/inspection-templates/${template.id}`, { method: "PUT", body });
      onSaved(saved);
    });
  };
  return html`<form class="template-editor stack" onSubmit=${submit} aria-label=${t("customers:edit_template")} data-version=${template.version}>
    <div class="template-head">
      <${Field} label=${t("customers:name_zh")}><${Input} value=${draft.name.zh} disabled=${!editable} onValue=${(zh) => setDraft({ ...draft, name: { ...draft.name, zh } })} /><//>
      <${Field} label=${t("customers:name_en")}><${Input} value=${draft.name.en} disabled=${!editable} onValue=${(en) => setDraft({ ...draft, name: { ...draft.name, en } })} /><//>
    </div>
    <p class="muted">${t("customers:grades")}: ${draft.scoring.grades.map((g) => `${g.grade} ≥ ${g.min}`).join(" · ")}</p>
    <fieldset disabled=${!editable} class="template-sections">
      ${draft.sections.map(
        (section, k) => html`<fieldset class="template-section" key=${section.key} data-section=${section.key}>
          <legend>${local(section)}</legend>
          <div class="template-item-texts">
            <${Input} value=${section.zh} aria-label=${t("customers:section_zh")} onValue=${(zh) => setSection(k, { ...section, zh })} />
            <${Input} value=${section.en} aria-label=${t("customers:section_en")} onValue=${(en) => setSection(k, { ...section, en })} />
          </div>
          <ul class="template-items">
            ${section.items.map(
              (item, j) => html`<${ItemRow}
                key=${item.key}
                item=${item}
                onChange=${(changed) => setSection(k, { ...section, items: section.items.map((x, m) => (m === j ? changed : x)) })}
                onRemove=${() => setSection(k, { ...section, items: section.items.filter((_, m) => m !== j) })}
              />`,
            )}
          </ul>
          <div class="panel-actions">
            <${Button} onClick=${() => addItem(k)}>${t("customers:add_item")}<//>
            <${Button} kind="ghost" onClick=${() => setDraft({ ...draft, sections: draft.sections.filter((_, m) => m !== k) })}>${t("customers:remove_section")}<//>
          </div>
        </fieldset>`,
      )}
    </fieldset>
    <${ErrorBox} error=${save.error} />
    ${editable &&
    html`<div class="panel-actions">
      <${Button} onClick=${addSection}>${t("customers:add_section")}<//>
      <${Button} kind="primary" type="submit" busy=${save.busy}>${t("customers:save_version", { version: template.version + 1 })}<//>
    </div>`}
  </form>`;
}

export function Templates() {
  const { template: chosen = "" } = route.value.params;
  const { data, error, loading, reload } = useLoad(() => api("/api/v1/inspection-templates"), []);
  const [saved, setSaved] = useState(null);
  const items = data?.items ?? [];
  const open = items.find((x) => x.id === chosen);
  const onSaved = (template) => {
    setSaved(template);
    reload();
    setParams({ template: template.id });
  };
  const list = html`<${ErrorBox} error=${error} onRetry=${reload} />
    ${loading && !data && html`<${Loading} />`}
    ${saved && html`<p class="notice-ok" role="status">${t("customers:saved_version", { version: saved.version })}</p>`}
    <${Table}
      rows=${items}
      onRow=${(x) => {
        setSaved(null);
        setParams({ template: x.id });
      }}
      empty=${t("customers:no_templates")}
      columns=${[
        { key: "name", label: t("customers:checklist"), render: (x) => local(x.name) },
        { key: "key", label: t("customers:key"), render: (x) => html`<code>${x.key}</code>` },
        { key: "version", label: t("customers:version"), render: (x) => html`<${Badge}>v${x.version}<//>` },
        { key: "items", label: t("customers:items"), render: (x) => x.sections.reduce((n, s) => n + s.items.length, 0) },
      ]}
    />`;
  return html`<div class="templates-page">
    <${SplitView}
      list=${list}
      side=${open && html`<${Panel} title=${`${local(open.name)} · v${open.version}`} actions=${html`<${Button} kind="ghost" aria-label=${t("close")} onClick=${() => setParams({ template: "" })}>✕<//>`}>
        <${Editor} key=${open.id} template=${open} onSaved=${onSaved} />
      <//>`}
    />
  </div>`;
}
