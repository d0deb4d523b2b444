// The event list: off-zone, no-signal and late-arrival events of the people in scope,
// filtered by type, org unit, person, period and "open only" (all kept in the URL), newest
// first, a page at a time; each row links to the place on the live map and the itinerary.
import { useMemo } from "preact/hooks";
import { Badge, Button, Checkbox, ErrorBox, Field, Input, Loading, Table, Toolbar } from "../components/basic.js";
import { useAction, useLoad, usePaged } from "../components/hooks.js";
import { StaffPicker, UnitPicker } from "../components/pickers.js";
import { html } from "../html.js";
import { formatDuration, formatTime, t } from "../i18n.js";
import { href, navigate, setParams } from "../router.js";
import { dayStart, localDate, placeOf, staffNames, zoneNames } from "./lookups.js";

export const EVENT_TYPES = ["off_zone", "no_signal", "late_arrival"];
export const PAGE_SIZE = 50;

/** Rows per page: 50, or what the link asks for (`size`, 5 to 500). */
const pageSize = (size) => Math.min(500, Math.max(5, Number(size) || PAGE_SIZE));

/** The API's query for the filters in the URL. */
export function eventQuery({ type = "", unit = "", person = "", from = "", to = "", open = "" }) {
  return {
    type: type.split(",").filter((v) => EVENT_TYPES.includes(v)),
    org_unit: unit || undefined,
    staff_id: person || undefined,
    from: from ? dayStart(from).toISOString() : undefined,
    to: to ? dayStart(to, 1).toISOString() : undefined,
    open: open === "1" ? "true" : undefined,
  };
}

function Filters({ params }) {
  const types = new Set((params.type ?? "").split(",").filter(Boolean));
  const toggle = (type, on) => {
    const next = EVENT_TYPES.filter((v) => (v === type ? on : types.has(v)));
    setParams({ type: next.join(",") });
  };
  return html`<div class="alerts-filters">
    <${Toolbar}>
      <fieldset class="alerts-types">
        <legend>${t("alerts:type")}</legend>
        ${EVENT_TYPES.map(
          (type) => html`<${Checkbox}
            key=${type}
            name="type"
            value=${type}
            checked=${types.has(type)}
            label=${t(`event_${type}`)}
            onValue=${(on) => toggle(type, on)}
          />`,
        )}
      </fieldset>
      <${Checkbox}
        name="open"
        checked=${params.open === "1"}
        label=${t("alerts:open_only")}
        onValue=${(on) => setParams({ open: on ? "1" : "" })}
      />
    <//>
    <${Toolbar}>
      <${Field} label=${t("org_unit")}>
        <${UnitPicker} value=${params.unit ?? ""} onValue=${(v) => setParams({ unit: v })} />
      <//>
      <${Field} label=${t("person")}>
        <${StaffPicker} value=${params.person ?? ""} onValue=${(v) => setParams({ person: v })} />
      <//>
      <${Field} label=${t("from")}>
        <${Input} type="date" name="from" value=${params.from} max=${params.to || undefined} onValue=${(v) => setParams({ from: v })} />
      <//>
      <${Field} label=${t("to")}>
        <${Input} type="date" name="to" value=${params.to} min=${params.from || undefined} onValue=${(v) => setParams({ to: v })} />
      <//>
      ${(params.type || params.unit || params.person || params.from || params.to || params.open) &&
      html`<${Button}
        kind="ghost"
        onClick=${() => setParams({ type: "", unit: "", person: "", from: "", to: "", open: "" })}
      >${t("alerts:clear")}<//>`}
    <//>
  </div>`;
}

/** A link to the live map centred where the person was when the event began. */
function MapLink({ event }) {
  const finding = useAction();
  const go = (e) => {
    e.preventDefault();
    finding.run(async () => {
      const place = await placeOf(event);
      navigate("/map", { person: event.staff_id, ...(place ? { ...place, z: 16 } : {}) });
    });
  };
  return html`<a
    class="btn btn-secondary alerts-link"
    href=${href("/map", { person: event.staff_id })}
    data-link="map"
    aria-busy=${finding.busy ? "true" : undefined}
    title=${finding.error ? t("error", { message: finding.error.message }) : undefined}
    onClick=${go}
  >${t("alerts:on_map")}</a>`;
}

export function EventList({ params }) {
  const query = useMemo(() => eventQuery(params), [params.type, params.unit, params.person, params.from, params.to, params.open]);
  const list = usePaged("/api/v1/events", query, { limit: pageSize(params.size) });
  const staffIds = [...new Set(list.items.map((e) => e.staff_id))];
  const zoneIds = [...new Set(list.items.map((e) => e.zone_id).filter(Boolean))];
  const names = useLoad(
    async () => {
      const [people, zones] = await Promise.all([staffNames(staffIds), zoneIds.length ? zoneNames(zoneIds) : new Map()]);
      return { people, zones };
    },
    [staffIds.join(), zoneIds.join()],
  );
  const now = Date.now();
  const person = (e) => names.data?.people.get(e.staff_id) ?? "…";
  const columns = [
    { key: "person", label: t("person"), render: (e) => html`<span class="alerts-person" data-event=${e.id} data-staff=${e.staff_id}>${person(e)}</span>` },
    {
      key: "type",
      label: t("alerts:type"),
      render: (e) => html`<span class=${`badge alerts-type status-${e.type === "late_arrival" ? "unknown" : e.type}`} data-type=${e.type}>${t(`event_${e.type}`)}</span>`,
    },
    { key: "start", label: t("alerts:start"), render: (e) => formatTime(e.started_at) },
    {
      key: "end",
      label: t("alerts:end"),
      render: (e) => (e.ended_at ? formatTime(e.ended_at) : html`<${Badge} tone="warn">${t("alerts:going_on")}<//>`),
    },
    {
      key: "duration",
      label: t("alerts:duration"),
      class: "num",
      render: (e) =>
        e.ended_at
          ? formatDuration(e.duration_s)
          : t("alerts:so_far", { duration: formatDuration((now - new Date(e.started_at).getTime()) / 1000) }),
    },
    { key: "zone", label: t("alerts:zone"), render: (e) => (e.zone_id ? names.data?.zones.get(e.zone_id) ?? "…" : "–") },
    {
      key: "links",
      label: t("alerts:see"),
      render: (e) => html`<span class="alerts-links">
        <${MapLink} event=${e} />
        <a
          class="btn btn-secondary alerts-link"
          data-link="itinerary"
          href=${href("/itinerary", { person: e.staff_id, day: localDate(e.started_at) })}
        >${t("alerts:itinerary")}</a>
        <a
          class="btn btn-ghost alerts-link"
          data-link="summary"
          href=${href("/alerts", { tab: "summary", person: e.staff_id, from: localDate(e.started_at), to: localDate(e.started_at) })}
        >${t("alerts:summary_link")}</a>
      </span>`,
    },
  ];
  return html`<div class="alerts-list">
    <${Filters} params=${params} />
    <${ErrorBox} error=${list.error} onRetry=${list.reload} />
    <p class="toolbar-note alerts-count" aria-live="polite">
      ${list.loading && !list.items.length
        ? t("loading")
        : t(list.hasMore ? "alerts:shown_more" : "alerts:shown", { count: list.items.length })}
    </p>
    ${list.loading && !list.items.length
      ? html`<${Loading} />`
      : html`<${Table}
          columns=${columns}
          rows=${list.items}
          rowKey=${(e) => e.id}
          empty=${t("alerts:none")}
        />`}
    ${list.hasMore &&
    html`<div class="alerts-more">
      <${Button} busy=${list.loading} onClick=${list.loadMore}>${t("more")}<//>
    </div>`}
  </div>`;
}
