/**
 * Re-embedding as a background job (`document.reembed`, queued by `POST /api/v2/admin/documents/reembed`): one run
 * at a time per process; a failed run is retried with the queue's backoff and resumes with the chunks still
 * lacking a vector.
 */
import type { JobQueue } from "../jobs/jobQueue.js";
import { reembedChunks, type ReembedDeps, type Reembedded } from "./reembedChunks.js";

export const DOCUMENT_REEMBED_JOB = "document.reembed";

export function defineDocumentReembedJob(jobs: JobQueue, deps: ReembedDeps): void {
  jobs.define<Record<string, never>, Reembedded>(DOCUMENT_REEMBED_JOB, {
    concurrency: 1,
    handler: (_data, { signal }) => reembedChunks(deps, signal),
  });
}
