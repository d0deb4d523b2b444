// The links that set a tracker app up on a rep's phone, scanned as a QR code or tapped.
// Both apps read everything they need from the link: the server's address, the device's
// identifier and (OwnTracks) its secret, issued once by POST /api/v1/devices.

export const TRACKER_PROTOCOLS = ["osmand", "owntracks"];

/** Where each tracker protocol reports, on this server. */
export function ingestUrl(protocol, origin = window.location.origin) {
  return `${origin}/ingest/${protocol}`;
}

/**
 * Traccar Client (org.traccar.client, 9.x and 10.x): a link with its own scheme and any host
 * but "action"; `url` is the address it posts fixes to (as it is, path included), `id` the
 * device identifier; `accuracy`, `interval` (seconds, used when `distance` is 0) and
 * `distance` (metres) are its tracking settings. The app asks before it applies them.
 */
export function traccarLink(identifier, origin) {
  const query = new URLSearchParams({
    url: ingestUrl("osmand", origin),
    id: identifier,
    accuracy: "high",
    interval: "60",
    distance: "0",
    buffer: "true",
  });
  return `org.traccar.client://config?${query}`;
}

/** The OwnTracks configuration: HTTP mode (3) with the identifier and secret as Basic auth. */
export function owntracksConfig({ identifier, secret, deviceId, tid }, origin) {
  return {
    _type: "configuration",
    mode: 3,
    url: ingestUrl("owntracks", origin),
    auth: true,
    username: identifier,
    password: secret,
    deviceId,
    tid,
  };
}

function base64(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** OwnTracks' remote configuration link; the base64 is percent-encoded ("+" stays "+"). */
export function owntracksLink(config) {
  return `owntracks:///config?inline=${encodeURIComponent(base64(JSON.stringify(config)))}`;
}

/** Two letters that tell the phone apart on OwnTracks' own map. */
export function trackerId(login = "") {
  const letters = login.replace(/[^a-z0-9]/gi, "");
  return (letters.slice(0, 2) || "ff").toUpperCase();
}

/** The setup link for a device just issued (its answer carries identifier and secret). */
export function setupLink(issued, person, origin = window.location.origin) {
  if (issued.protocol === "osmand") return traccarLink(issued.identifier, origin);
  if (issued.protocol === "owntracks") {
    const deviceId = (issued.name || "phone").replace(/[^a-z0-9_-]/gi, "").slice(0, 32) || "phone";
    return owntracksLink(
      owntracksConfig(
        { identifier: issued.identifier, secret: issued.secret, deviceId, tid: trackerId(person?.login) },
        origin,
      ),
    );
  }
  return null;
}
