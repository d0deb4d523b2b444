import { h } from "preact";
import htm from "htm";

/** JSX-like templates without a build step of their own: html`<div>${x}</div>`. */
export const html = htm.bind(h);
