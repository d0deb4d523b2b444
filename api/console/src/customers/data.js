// What the field-sales pages share: texts kept in both languages by the API, grades' tones.
import { lang } from "../i18n.js";

/** A text the API keeps as {zh, en}, in the console's language. */
export const local = (texts) => (texts ? (texts[lang.value] ?? texts.en ?? texts.zh ?? "") : "");

export const GRADE_TONES = { A: "ok", B: "ok", C: "warn", D: "danger" };

export const ANSWER_TYPES = ["yes_no", "score", "number", "text"];
