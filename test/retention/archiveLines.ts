/** Reads retention archive files back: every gzip member of each file, one JSON row per line. */
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

export async function archivedRows(dir: string, table: string): Promise<Array<Record<string, unknown>>> {
  const names = (await readdir(dir).catch(() => [])).filter((name) => name.startsWith(`${table}-`) && name.endsWith(".jsonl.gz"));
  const rows: Array<Record<string, unknown>> = [];
  for (const name of names) {
    const text = gunzipSync(await readFile(join(dir, name))).toString("utf8");
    for (const line of text.split("\n").filter((l) => l !== "")) rows.push(JSON.parse(line) as Record<string, unknown>);
  }
  return rows;
}
