/**
 * Every scenario run leaves a JSON document (all figures, the machine, the command) and a markdown report in
 * the output directory, named after the scenario and the start time so runs never overwrite each other.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface WrittenResults {
  json: string;
  markdown: string;
}

export async function writeResults(outDir: string, scenario: string, startedAt: string, result: unknown, markdown: string): Promise<WrittenResults> {
  await mkdir(outDir, { recursive: true });
  const stem = join(outDir, `${scenario}-${startedAt.replace(/[:.]/g, "-")}`);
  const paths = { json: `${stem}.json`, markdown: `${stem}.md` };
  await writeFile(paths.json, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(paths.markdown, `${markdown}\n`);
  return paths;
}
