// Bundles the console for the browser: src/main.js with its npm packages into dist/,
// one script and one stylesheet (Leaflet's and its plugins' included), named by content
// hash. dist/manifest.json names the current pair; it is replaced in one rename, and
// earlier builds' files stay a while, so a page loaded just before a build still works.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const OUT = "dist";
const KEEP_OLD_MS = 10 * 60 * 1000;

mkdirSync(OUT, { recursive: true });
const result = await build({
  entryPoints: { app: "src/main.js" },
  bundle: true,
  format: "esm",
  target: ["chrome110", "firefox110", "safari16"],
  minify: true,
  sourcemap: true,
  outdir: OUT,
  entryNames: "[name]-[hash]",
  assetNames: "assets/[name]-[hash]",
  loader: { ".png": "file", ".svg": "file" },
  metafile: true,
  logLevel: "warning",
});
const outputs = Object.keys(result.metafile.outputs);
const named = (ext) => outputs.find((p) => p.endsWith(ext) && !p.includes("/assets/")).slice(OUT.length + 1);
const manifest = { script: named(".js"), style: named(".css") };
copyFileSync("src/favicon.svg", join(OUT, "favicon.svg"));
const temporary = join(OUT, `manifest.${process.pid}.json`);
writeFileSync(temporary, JSON.stringify(manifest, null, 2));
renameSync(temporary, join(OUT, "manifest.json"));

const current = new Set(outputs.map((p) => p.slice(OUT.length + 1)));
for (const name of readdirSync(OUT)) {
  const path = join(OUT, name);
  const old = Date.now() - statSync(path).mtimeMs > KEEP_OLD_MS;
  if (name.startsWith("app-") && !current.has(name) && old) rmSync(path, { force: true });
}
console.log(`console built: ${manifest.script}, ${manifest.style}`);
