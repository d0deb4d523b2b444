// A claim's GPS verification (it never decides alone): tracked against claimed kilometres
// per day, each destination reached or not, the flags in words, and the map of the claimed
// legs over the tracked path of the trip.
import { api } from "../api.js";
import { Badge, ErrorBox, Loading, Panel, Table } from "../components/basic.js";
import { useLoad } from "../components/hooks.js";
import { dayStart, isoLocal } from "../dates.js";
import { html } from "../html.js";
import { formatDistance, formatNumber, formatTime, t } from "../i18n.js";
import { RouteLayer } from "../map/layers.js";
import { MapView } from "../map/MapView.js";
import { ClaimedLegsLayer } from "./layers.js";

const RADIUS_M = 1000;
const TONES = { distance_overclaimed: "danger", destination_unverified: "warn", no_tracking: "warn", mock_location: "danger" };

function useTrack(claim) {
  return useLoad(
    (signal) =>
      api(`/api/v1/staff/${claim.requester_id}/track`, {
        query: { from: isoLocal(dayStart(claim.start)), to: isoLocal(dayStart(claim.end, 1)) },
        signal,
      }).catch(() => null),
    [claim.id, claim.requester_id, claim.start, claim.end],
  );
}

function destinations(claim) {
  const found = claim.verification?.destinations ?? [];
  return claim.legs.map((leg, i) => {
    const d = found[i] && found[i].place === leg.place ? found[i] : found.find((x) => x.place === leg.place);
    const reached = !!d?.reached;
    const label = reached
      ? t("travel:reached_at", { place: leg.place, at: formatTime(d.reached_at) })
      : t("travel:not_reached", { place: leg.place, nearest: d?.nearest_m == null ? "–" : formatDistance(d.nearest_m) });
    return { ...leg, reached, reached_at: d?.reached_at, nearest_m: d?.nearest_m, label };
  });
}

export function Verification({ claim }) {
  const track = useTrack(claim);
  const v = claim.verification;
  if (!v) return html`<${Panel} title=${t("travel:verification")}><p class="muted">${t("travel:not_verified")}</p><//>`;
  const legs = destinations(claim);
  const line = track.data?.features?.find((f) => f.properties.kind === "track")?.geometry.coordinates ?? null;
  return html`<${Panel} title=${t("travel:verification")} class="verification">
    <div class="verification-flags" data-flags=${v.flags.join(" ")}>
      ${v.flags.length
        ? v.flags.map((f) => html`<p><${Badge} tone=${TONES[f] ?? "warn"}>${t(`travel:flag_${f}`)}<//> ${t(`travel:explain_${f}`)}</p>`)
        : html`<p><${Badge} tone="ok">${t("travel:all_checked")}<//></p>`}
      <p class="muted">${t("travel:never_decides", { at: formatTime(v.computed_at) })}</p>
    </div>
    <div class="verification-map">
      <${MapView} label=${t("travel:map")}>
        ${line && html`<${RouteLayer} coordinates=${line} />`}
        <${ClaimedLegsLayer} legs=${legs} radius=${RADIUS_M} fit />
      <//>
      ${track.loading && html`<${Loading} />`}
      <${ErrorBox} error=${track.error} />
    </div>
    <div class="verification-tables">
      <${Table}
        rows=${legs}
        rowKey=${(x) => x.id}
        columns=${[
          { key: "place", label: t("travel:destination") },
          {
            key: "reached",
            label: t("travel:reached"),
            render: (x) => html`<span class=${`destination-state ${x.reached ? "reached" : "unreached"}`}>${x.reached ? formatTime(x.reached_at) : t("travel:no")}</span>`,
          },
          { key: "nearest", label: t("travel:nearest"), render: (x) => (x.nearest_m == null ? "–" : formatDistance(x.nearest_m)) },
        ]}
      />
      <${Table}
        rows=${[...v.days, { date: t("travel:in_all"), tracked_km: v.tracked_km, all: true }]}
        rowKey=${(x) => String(x.date)}
        columns=${[
          { key: "date", label: t("travel:day") },
          { key: "tracked", label: t("travel:tracked_km"), render: (x) => formatNumber(x.tracked_km, 1) },
          { key: "claimed", label: t("travel:claimed_km"), render: (x) => (x.all ? formatNumber(v.claimed_km, 1) : "") },
        ]}
      />
    </div>
  <//>`;
}
