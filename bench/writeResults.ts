/**
 * Every scenario run leaves a JSON document (all figures, the machine, the command) and a markdown report in
 * the output directory, named after the scenario and the start time so runs never overwrite each other.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface WrittenResults {
  json: string;
  markdown: string;
  /** Further files of the run (a chart), by the suffix they were given. */
  files: string[];
}

/** `files` maps a suffix (e.g. "latency.svg") to content, written as <scenario>-<time>-<suffix>. */
export async function writeResults(
  outDir: string,
  scenario: string,
  startedAt: string,
  result: unknown,
  markdown: string,
  files: Record<string, string> = {},
): Promise<WrittenResults> {
  await mkdir(outDir, { recursive: true });
  const stem = join(outDir, `${scenario}-${startedAt.replace(/[:.]/g, "-")}`);
  const paths: WrittenResults = { json: `${stem}.json`, markdown: `${stem}.md`, files: [] };
  await writeFile(paths.json, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(paths.markdown, `${markdown}\n`);
  for (const [suffix, content] of Object.entries(files)) {
    const path = `${stem}-${suffix}`;
    await writeFile(path, content);
    paths.files.push(path);
  }
  return paths;
}
