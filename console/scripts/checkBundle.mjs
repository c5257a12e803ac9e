// The console's bundle budget: the JavaScript a first visit loads — the entry chunk and every chunk it imports
// statically (pages loaded later are not counted) — must stay within 200 KB gzipped. Reads Vite's manifest;
// exits 1 over budget, so the build fails.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const BUDGET_BYTES = 200 * 1024;
const outDir = fileURLToPath(new URL("../../dist/console/", import.meta.url));
const manifest = JSON.parse(readFileSync(`${outDir}.vite/manifest.json`, "utf8"));

const entries = Object.entries(manifest).filter(([, chunk]) => chunk.isEntry === true);
if (entries.length !== 1) {
  console.error(`checkBundle: expected one entry chunk in the manifest, found ${entries.length}`);
  process.exit(1);
}

const seen = new Set();
const visit = (key) => {
  if (seen.has(key)) return;
  const chunk = manifest[key];
  if (chunk === undefined) throw new Error(`checkBundle: the manifest has no chunk ${key}`);
  seen.add(key);
  for (const imported of chunk.imports ?? []) visit(imported);
};
visit(entries[0][0]);

let total = 0;
const lines = [];
for (const key of seen) {
  const file = manifest[key].file;
  const gzipped = gzipSync(readFileSync(`${outDir}${file}`), { level: 9 }).length;
  total += gzipped;
  lines.push(`  ${file}  ${(gzipped / 1024).toFixed(1)} KB`);
}
const css = new Set([...seen].flatMap((key) => manifest[key].css ?? []));
const cssBytes = [...css].reduce((sum, file) => sum + gzipSync(readFileSync(`${outDir}${file}`), { level: 9 }).length, 0);

console.log(`console bundle: initial JavaScript ${(total / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_BYTES / 1024} KB), CSS ${(cssBytes / 1024).toFixed(1)} KB`);
for (const line of lines) console.log(line);
if (total > BUDGET_BYTES) {
  console.error(`checkBundle: the initial JavaScript is ${((total - BUDGET_BYTES) / 1024).toFixed(1)} KB over budget; load more of it lazily`);
  process.exit(1);
}
