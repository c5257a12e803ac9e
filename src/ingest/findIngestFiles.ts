/**
 * The files an ingestion names: each argument is a file, a directory (every file under it) or a glob (`*`, `**`,
 * `{a,b}`, expanded by the glob package: fs.glob is still experimental on Node 22.12, the lowest supported
 * runtime). Each file gets its document format from its extension; files of any other kind are listed as skipped
 * rather than failed, so a directory of mixed files can be pointed at as a whole.
 */
import { stat } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { glob } from "glob";
import type { DocumentFormat } from "../documents/prepareDocument.js";

export interface IngestFile {
  path: string;
  format: DocumentFormat;
}

export interface FoundFiles {
  files: IngestFile[];
  skipped: Array<{ path: string; reason: string }>;
  /** Arguments that matched nothing. */
  unmatched: string[];
}

const formats: Record<string, DocumentFormat> = { ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".txt": "text" };

export function formatOfFile(path: string): DocumentFormat | undefined {
  return formats[extname(path).toLowerCase()];
}

export async function findIngestFiles(patterns: readonly string[], signal?: AbortSignal): Promise<FoundFiles> {
  const seen = new Set<string>();
  const found: FoundFiles = { files: [], skipped: [], unmatched: [] };
  for (const pattern of patterns) {
    const kind = await stat(pattern).then(
      (stats) => (stats.isDirectory() ? "directory" : "file"),
      () => "pattern",
    );
    // A literal path is taken as it is, even when its name holds glob characters.
    const paths =
      kind === "file"
        ? [pattern]
        : await glob(kind === "directory" ? "**/*" : pattern, { nodir: true, dot: false, ...(kind === "directory" ? { cwd: pattern, absolute: true } : {}), ...(signal ? { signal } : {}) });
    if (paths.length === 0) found.unmatched.push(pattern);
    for (const path of paths.sort()) {
      const key = resolve(path);
      if (seen.has(key)) continue;
      seen.add(key);
      const format = formatOfFile(path);
      if (format === undefined) found.skipped.push({ path, reason: `not .md, .markdown, .html, .htm or .txt` });
      else found.files.push({ path, format });
    }
  }
  return found;
}
