// The localization provider: every text of the console comes from the en and zh catalogs
// (locales/<language>/<area>.json, one namespace per area) through t().
import i18next from "i18next";
import { signal } from "@preact/signals";
import { catalogs } from "./locales/index.js";

const LANG_KEY = "fieldforce.lang";
export const LANGUAGES = ["zh", "en"];

function preferred() {
  const saved = localStorage.getItem(LANG_KEY); // a preference, not a secret
  if (LANGUAGES.includes(saved)) return saved;
  const asked = navigator.languages?.length ? navigator.languages : [navigator.language];
  return asked.some((l) => l?.toLowerCase().startsWith("zh")) ? "zh" : "en";
}

export const lang = signal(preferred());

i18next.init({
  lng: lang.value,
  fallbackLng: "en",
  resources: catalogs,
  ns: Object.keys(catalogs.en),
  defaultNS: "common",
  interpolation: { escapeValue: false }, // Preact escapes what it renders
  returnNull: false,
  initImmediate: false,
});
document.documentElement.lang = lang.value === "zh" ? "zh-CN" : "en";

export function setLang(value) {
  if (!LANGUAGES.includes(value)) return;
  localStorage.setItem(LANG_KEY, value);
  i18next.changeLanguage(value);
  document.documentElement.lang = value === "zh" ? "zh-CN" : "en";
  lang.value = value;
}

/** The text for `key` ("area:key" or a common key) in the current language. */
export function t(key, options) {
  void lang.value; // rendering subscribes to the language
  return i18next.t(key, options);
}

const locale = () => (lang.value === "zh" ? "zh-CN" : "en-GB");

/** A time as the reader reads it, in the browser's time zone (or `timeZone`). */
export function formatTime(value, { date = true, seconds = false, timeZone } = {}) {
  if (!value) return "";
  const d = value instanceof Date ? value : new Date(value);
  return d.toLocaleString(locale(), {
    ...(date ? { year: "numeric", month: "2-digit", day: "2-digit" } : {}),
    hour: "2-digit",
    minute: "2-digit",
    ...(seconds ? { second: "2-digit" } : {}),
    hour12: false,
    timeZone,
  });
}

export function formatNumber(value, digits = 0) {
  if (value === null || value === undefined) return "";
  return Number(value).toLocaleString(locale(), { maximumFractionDigits: digits });
}

/** "1 h 5 min", "3 min", "40 s" in the current language. */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h) return t("duration_hm", { h, m });
  if (m) return t("duration_m", { m });
  return t("duration_s", { s });
}

export function formatDistance(metres) {
  if (metres === null || metres === undefined) return "";
  return metres >= 1000
    ? t("distance_km", { km: formatNumber(metres / 1000, 1) })
    : t("distance_m", { m: formatNumber(metres) });
}

/** How long ago, roughly: "just now", "5 min ago", "3 h ago", "2 d ago". */
export function formatAge(value, now = Date.now()) {
  if (!value) return "";
  const s = Math.max(0, (now - new Date(value).getTime()) / 1000);
  if (s < 60) return t("age_now");
  if (s < 3600) return t("age_min", { n: Math.floor(s / 60) });
  if (s < 86400) return t("age_hour", { n: Math.floor(s / 3600) });
  return t("age_day", { n: Math.floor(s / 86400) });
}
