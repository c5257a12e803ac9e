/**
 * Document ingestion as a background job (`document.ingest`): for large documents and bulk loads that should not
 * hold a request open while they are chunked and indexed. A document the store refuses for the caller's mistake
 * (bad reference, too large, no text) is a finished job with an error, not retried; a store or embedding engine
 * failure is retried with the queue's backoff (nothing of the document is written by a failed run), and once the
 * attempts are spent the job fails with that error's code.
 */
import type { JobQueue, JobRecord } from "../jobs/jobQueue.js";
import type { Viewer } from "../store/documents.js";
import { GatewayError, statusForCode, type ErrorCode } from "../errors.js";
import { ingestDocument, type DocumentInput, type IngestDeps } from "./ingestDocument.js";

export const DOCUMENT_INGEST_JOB = "document.ingest";

export interface DocumentIngestData {
  writer: Viewer;
  input: DocumentInput;
  /** Replace this document instead of filing a new one. */
  replaceId?: string | undefined;
}

export type DocumentIngestResult =
  | { ok: true; documentId: string; chunkCount: number }
  | { ok: false; error: { code: ErrorCode; message: string; param?: string | undefined } };

export interface DocumentIngestStatus {
  id: string;
  status: "queued" | "running" | "completed" | "failed";
  documentId?: string;
  chunkCount?: number;
  error?: { code: string; message: string; param?: string | undefined };
  createdAt: string;
  finishedAt?: string;
}

export function defineDocumentIngestJob(jobs: JobQueue, deps: IngestDeps): void {
  jobs.define<DocumentIngestData, DocumentIngestResult>(DOCUMENT_INGEST_JOB, {
    handler: async (data, { signal }) => {
      try {
        const { document, chunkCount } = await ingestDocument(deps, data.writer, data.input, { signal, replaceId: data.replaceId });
        return { ok: true, documentId: document.id, chunkCount };
      } catch (error) {
        if (error instanceof GatewayError && error.status < 500) {
          return { ok: false, error: { code: error.code, message: error.message, param: error.param } };
        }
        // The queue keeps only a failed run's message: the code leads it, so the status can name it.
        if (error instanceof GatewayError) throw new Error(`${error.code}: ${error.message}`, { cause: error });
        throw error;
      }
    },
  });
}

/** The job as its writer sees it; undefined when it is unknown or someone else's. */
export function documentIngestStatus(record: JobRecord | undefined, userId: string): DocumentIngestStatus | undefined {
  if (record === undefined || record.name !== DOCUMENT_INGEST_JOB || !isIngestData(record.data) || record.data.writer.userId !== userId) return undefined;
  const base = {
    id: record.id,
    createdAt: new Date(record.createdAt).toISOString(),
    ...(record.finishedAt !== undefined ? { finishedAt: new Date(record.finishedAt).toISOString() } : {}),
  };
  if (record.state === "completed" && isResult(record.result)) {
    const result = record.result;
    return result.ok
      ? { ...base, status: "completed", documentId: result.documentId, chunkCount: result.chunkCount }
      : { ...base, status: "failed", error: result.error };
  }
  if (record.state === "failed") return { ...base, status: "failed", error: failureOf(record.error) };
  return { ...base, status: record.state === "active" ? "running" : "queued" };
}

function failureOf(error: string | undefined): { code: ErrorCode; message: string } {
  const match = /^([a-z_]+): ([\s\S]*)$/.exec(error ?? "");
  const code = match?.[1];
  if (match?.[2] !== undefined && code !== undefined && isErrorCode(code)) return { code, message: match[2] };
  return { code: "store_unavailable", message: error ?? "indexing failed" };
}

function isErrorCode(code: string): code is ErrorCode {
  // A lookup in the code table; `typeof` keeps the object's own prototype keys ("constructor") out.
  return typeof statusForCode(code as ErrorCode) === "number";
}

function isIngestData(data: unknown): data is DocumentIngestData {
  if (typeof data !== "object" || data === null || !("writer" in data)) return false;
  const writer: unknown = data.writer;
  return typeof writer === "object" && writer !== null && "userId" in writer && typeof writer.userId === "string";
}

function isResult(result: unknown): result is DocumentIngestResult {
  return typeof result === "object" && result !== null && "ok" in result && typeof result.ok === "boolean";
}
