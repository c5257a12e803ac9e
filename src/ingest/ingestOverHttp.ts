/**
 * Sends files to a running gateway as asynchronous ingestions (`POST /api/v2/documents?async=true`) and polls each
 * job (`GET /api/v2/documents/jobs/:jobId`) until it completes or fails. The gateway does the indexing, as the
 * key's user and with the same checks as any other submission; this side only reads files and keeps count.
 *
 * Two signals: `stop` ends submitting (files not yet sent are reported as not submitted) while the jobs already
 * queued are still awaited, because they run on the gateway regardless; `abort` also stops waiting for them.
 */
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { documentTitle } from "./documentTitle.js";
import type { IngestFile } from "./findIngestFiles.js";

export interface IngestTarget {
  baseUrl: string;
  key?: string | undefined;
  projectId: string;
  type: string;
  accessLevel?: number | undefined;
}

export type FileOutcome =
  | { path: string; ok: true; documentId: string; chunkCount: number }
  | { path: string; ok: false; code: string; message: string };

export interface IngestRunOptions {
  concurrency: number;
  stop?: AbortSignal | undefined;
  abort?: AbortSignal | undefined;
  onDone?(outcome: FileOutcome): void;
  /** First wait between status polls; it doubles up to a second. */
  pollMs?: number;
}

export interface IngestRun {
  outcomes: FileOutcome[];
  notSubmitted: string[];
}

/** Consecutive failed status polls (gateway restarting, network blip) tolerated before a file counts as failed. */
const MAX_POLL_ERRORS = 10;

export async function ingestOverHttp(target: IngestTarget, files: readonly IngestFile[], options: IngestRunOptions): Promise<IngestRun> {
  const outcomes: FileOutcome[] = [];
  const notSubmitted: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++] as IngestFile;
      if (options.stop?.aborted || options.abort?.aborted) {
        notSubmitted.push(file.path);
        continue;
      }
      const outcome = await ingestFile(target, file, options);
      outcomes.push(outcome);
      options.onDone?.(outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, files.length)) }, worker));
  return { outcomes, notSubmitted };
}

async function ingestFile(target: IngestTarget, file: IngestFile, options: IngestRunOptions): Promise<FileOutcome> {
  const failed = (code: string, message: string): FileOutcome => ({ path: file.path, ok: false, code, message });
  let content: string;
  try {
    // Not UTF-8 is refused here: a lossy decode would index replacement characters.
    content = new TextDecoder("utf-8", { fatal: true }).decode(await readFile(file.path));
  } catch (error) {
    return failed(error instanceof TypeError ? "invalid_encoding" : "unreadable", error instanceof TypeError ? "the file is not UTF-8 text" : (error as Error).message);
  }
  const headers: Record<string, string> = { "content-type": "application/json", ...(target.key ? { authorization: `Bearer ${target.key}` } : {}) };
  const body = {
    projectId: target.projectId,
    type: target.type,
    title: documentTitle(content, file.format, file.path),
    content,
    format: file.format,
    ...(target.accessLevel !== undefined ? { accessLevel: target.accessLevel } : {}),
  };
  let jobId: string;
  try {
    const response = await fetch(`${target.baseUrl}/api/v2/documents?async=true`, { method: "POST", headers, body: JSON.stringify(body), ...signalOption(options.abort) });
    const answer = await readJson(response);
    if (response.status !== 202 || typeof answer.jobId !== "string") return failed(...errorOf(response, answer));
    jobId = answer.jobId;
  } catch (error) {
    if (options.abort?.aborted) return failed("interrupted", "interrupted before the gateway answered");
    return failed("unreachable", `${target.baseUrl}: ${causeOf(error)}`);
  }

  const statusHeaders: Record<string, string> = target.key ? { authorization: `Bearer ${target.key}` } : {};
  let wait = options.pollMs ?? 100;
  let errors = 0;
  for (;;) {
    try {
      await sleep(wait, undefined, signalOption(options.abort));
      wait = Math.min(wait * 2, 1000);
      const response = await fetch(`${target.baseUrl}/api/v2/documents/jobs/${encodeURIComponent(jobId)}`, { headers: statusHeaders, ...signalOption(options.abort) });
      const status = await readJson(response);
      if (response.status >= 500) throw new Error(errorOf(response, status).join(": "));
      if (response.status !== 200) return failed(...errorOf(response, status));
      errors = 0;
      if (status.status === "completed" && typeof status.documentId === "string" && typeof status.chunkCount === "number") {
        return { path: file.path, ok: true, documentId: status.documentId, chunkCount: status.chunkCount };
      }
      if (status.status === "failed") {
        const error = isObject(status.error) ? status.error : {};
        return failed(typeof error.code === "string" ? error.code : "failed", typeof error.message === "string" ? error.message : "the ingestion failed");
      }
    } catch (error) {
      if (options.abort?.aborted) return failed("interrupted", `job ${jobId} was queued; its outcome was not awaited`);
      errors += 1;
      if (errors >= MAX_POLL_ERRORS) return failed("unreachable", `job ${jobId}: ${causeOf(error)}`);
    }
  }
}

const signalOption = (signal: AbortSignal | undefined) => (signal ? { signal } : {});

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

async function readJson(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : {};
  } catch {
    return { message: text.slice(0, 300) };
  }
}

/** The gateway's error envelope as `[code, message]`; a body that is not one still says which status it was. */
function errorOf(response: Response, body: Record<string, unknown>): [string, string] {
  const error = isObject(body.error) ? body.error : {};
  const code = typeof error.code === "string" ? error.code : `http_${response.status}`;
  const message = typeof error.message === "string" ? error.message : typeof body.message === "string" ? body.message : `HTTP ${response.status}`;
  return [code, message];
}

/** fetch reports a refused connection as "fetch failed" with the reason in `cause`. */
function causeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}
