/**
 * `switchyard ingest PATH|GLOB... --project P`: files documents into a running gateway. Each file is sent as an
 * asynchronous ingestion with an API key, so the indexing runs as background jobs on the gateway, owned by the
 * key's user and held to the same checks (access level, size) as any other submission; nothing here opens the
 * store. Progress goes to stderr, the summary to stdout. Exit 0 when every file was filed, 1 when any failed or
 * was left unsent, 2 for a usage error.
 */
import { parseArgs } from "node:util";
import { defaultUrl } from "./cliCache.js";
import type { CliOutput } from "./cliKeys.js";
import { findIngestFiles } from "./ingest/findIngestFiles.js";
import { ingestOverHttp, type FileOutcome } from "./ingest/ingestOverHttp.js";
import { ingestProgress, type ProgressStream } from "./ingest/ingestProgress.js";

export const ingestUsage = `usage: switchyard ingest PATH|GLOB... --project P [options]

  PATH|GLOB          files, directories (everything under them) or quoted globs ("docs/**/*.md");
                     .md/.markdown are markdown, .html/.htm HTML, .txt text; other files are skipped
  --project P        the project the documents are filed under (required)
  --type T           the documents' type (default: document)
  --access-level N   the documents' access level (default 0, public; at most the key's own)
  --concurrency N    files in flight at once (default 4)
  --url URL          the running gateway (default: $SWITCHYARD_URL, else the configuration's server address)
  --key KEY          API key (default: $SWITCHYARD_API_KEY); the documents belong to its user
  --config FILE      where the default URL comes from
  progress on stderr, a summary on stdout; exit 0 all filed, 1 some failed, 2 usage error.
  Ctrl-C stops submitting and waits for the files already queued; a second Ctrl-C stops waiting.`;

const options = {
  project: { type: "string" },
  type: { type: "string" },
  "access-level": { type: "string" },
  concurrency: { type: "string" },
  url: { type: "string" },
  key: { type: "string" },
  config: { type: "string", short: "c" },
  help: { type: "boolean", short: "h" },
} as const;

export interface IngestSignals {
  /** Stop submitting; keep waiting for what was submitted. */
  stop?: AbortSignal | undefined;
  /** Stop waiting too. */
  abort?: AbortSignal | undefined;
}

export async function ingestCommand(argv: string[], out: CliOutput, progressStream: ProgressStream, signals: IngestSignals = {}): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof options }>>;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options });
  } catch (error) {
    out.stderr(`${(error as Error).message}\n${ingestUsage}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out.stdout(`${ingestUsage}\n`);
    return 0;
  }
  const usageError = (message: string) => {
    out.stderr(`${message}\n${ingestUsage}\n`);
    return 2;
  };
  if (positionals.length === 0) return usageError("ingest needs at least one file, directory or glob");
  const projectId = values.project?.trim();
  if (!projectId) return usageError("ingest needs --project");
  const accessLevel = integerOption(values["access-level"], 0);
  if (accessLevel === null) return usageError("--access-level must be a whole number, 0 or more");
  const concurrency = values.concurrency === undefined ? 4 : integerOption(values.concurrency, 1);
  if (concurrency === null || concurrency === undefined || concurrency > 64) return usageError("--concurrency must be a whole number from 1 to 64");
  const type = values.type?.trim() || "document";

  const found = await findIngestFiles(positionals, signals.abort);
  if (found.unmatched.length > 0) return usageError(`nothing matches ${found.unmatched.map((pattern) => `"${pattern}"`).join(", ")}`);
  for (const skipped of found.skipped) out.stderr(`skipped ${skipped.path}: ${skipped.reason}\n`);
  if (found.files.length === 0) return usageError("none of the files is markdown, HTML or text");

  const envUrl = process.env.SWITCHYARD_URL?.trim();
  const baseUrl = (values.url ?? (envUrl || defaultUrl(values.config))).replace(/\/+$/, "");
  const progress = ingestProgress(progressStream, found.files.length);
  const onStop = () => progress.note("interrupted: submitting no more files; waiting for those already queued (Ctrl-C again to stop waiting)");
  signals.stop?.addEventListener("abort", onStop, { once: true });
  const run = await ingestOverHttp(
    { baseUrl, key: values.key ?? process.env.SWITCHYARD_API_KEY, projectId, type, accessLevel },
    found.files,
    { concurrency, stop: signals.stop, abort: signals.abort, onDone: (outcome) => progress.done(outcome) },
  );
  signals.stop?.removeEventListener("abort", onStop);
  progress.finish();
  out.stdout(summary(run.outcomes, found.skipped, run.notSubmitted));
  return run.outcomes.some((outcome) => !outcome.ok) || run.notSubmitted.length > 0 ? 1 : 0;
}

/** A whole number at least `min`; undefined when absent, null when not one. */
function integerOption(text: string | undefined, min: number): number | undefined | null {
  if (text === undefined) return undefined;
  return /^\s*\d+\s*$/.test(text) && Number(text) >= min ? Number(text) : null;
}

function summary(outcomes: readonly FileOutcome[], skipped: ReadonlyArray<{ path: string }>, notSubmitted: readonly string[]): string {
  const filed = outcomes.filter((outcome) => outcome.ok);
  const failed = outcomes.filter((outcome) => !outcome.ok);
  const lines = [`documents: ${filed.length}`, `chunks: ${filed.reduce((sum, outcome) => sum + outcome.chunkCount, 0)}`, `failed: ${failed.length}`];
  for (const outcome of failed) lines.push(`  ${outcome.path}  ${outcome.code}  ${outcome.message}`);
  lines.push(`skipped: ${skipped.length}`);
  for (const file of skipped) lines.push(`  ${file.path}`);
  if (notSubmitted.length > 0) {
    lines.push(`not submitted: ${notSubmitted.length}`);
    for (const path of notSubmitted) lines.push(`  ${path}`);
  }
  return `${lines.join("\n")}\n`;
}
