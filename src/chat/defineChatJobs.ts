/**
 * Asynchronous chat: a submitted generation is recorded in the store (`queued`) and queued as a `chat.generate`
 * job; the job marks it `running`, generates through the same path as `POST /v1/chat/completions`, and records
 * `completed` with the completion or `failed` with an error code, then fires `chat.job.completed` /
 * `chat.job.failed`. A generation is not retried by the queue: the router already retries and falls back
 * across engines, and a second run would bill twice. An admin retry of the failed job runs it again.
 */
import type { Principal } from "../auth/principal.js";
import { isAbortError, isGatewayError, GatewayError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { JobQueue } from "../jobs/jobQueue.js";
import type { ChatJob, ChatJobError, ChatJobStore } from "../store/chatJobs.js";
import type { WebhookEventName } from "../webhooks/webhookEventName.js";

export const CHAT_JOB = "chat.generate";

export interface ChatJobsDeps {
  jobs: JobQueue;
  store: ChatJobStore;
  logger: Logger;
  /** Generates the completion for a stored job, as `POST /v1/chat/completions` would for its caller. */
  generate(job: ChatJob, signal: AbortSignal): Promise<Record<string, unknown>>;
  /** Fires the job's webhook event. */
  notify(event: Extract<WebhookEventName, "chat.job.completed" | "chat.job.failed">, data: object): void;
  /** Generations running at once in this process. */
  concurrency?: number;
}

export interface ChatJobs {
  /** Records and queues a generation; rejects with store_unavailable when it cannot be queued. */
  submit(input: { principal: Principal; request: Record<string, unknown>; traceId: string }): Promise<ChatJob>;
  /**
   * For the in-process queue, whose jobs die with the process: re-queues jobs left `queued` and fails those
   * left `running` (`interrupted`). With BullMQ nothing is lost, and stalled jobs are taken up again.
   */
  recover(): Promise<{ requeued: number; interrupted: number }>;
}

interface ChatJobData {
  chatJobId: string;
}

const RECOVER_BATCH = 1000;

export function defineChatJobs(deps: ChatJobsDeps): ChatJobs {
  const { jobs, store, logger } = deps;

  const failWith = async (id: string, error: ChatJobError) => {
    if (!(await store.fail(id, error))) return;
    const job = await store.get(id);
    if (job) deps.notify("chat.job.failed", eventOf(job));
  };

  jobs.define<ChatJobData, { status: string }>(CHAT_JOB, {
    attempts: 1,
    ...(deps.concurrency !== undefined ? { concurrency: deps.concurrency } : {}),
    async handler({ chatJobId }, { signal }) {
      const job = await store.get(chatJobId);
      // Already answered (a replayed job): nothing to do, and nothing to bill again.
      if (!job || job.status === "completed") return { status: job?.status ?? "missing" };
      await store.markRunning(chatJobId);
      const completion = await deps.generate(job, signal);
      await store.complete(chatJobId, completion);
      const done = await store.get(chatJobId);
      if (done) deps.notify("chat.job.completed", eventOf(done));
      return { status: "completed" };
    },
    async onFailed({ chatJobId }, error) {
      await failWith(chatJobId, errorOf(error));
    },
  });

  return {
    async submit(input) {
      const job = await store.create(input);
      try {
        await jobs.enqueue(CHAT_JOB, { chatJobId: job.id } satisfies ChatJobData, { jobId: job.id });
      } catch (error) {
        logger.error({ err: error, chatJobId: job.id }, "queueing a chat job failed");
        await store.fail(job.id, { code: "store_unavailable", message: "the job could not be queued" }).catch(() => undefined);
        throw new GatewayError("store_unavailable", "the job queue is unavailable; try again shortly", { cause: error, retryAfterSeconds: 2 });
      }
      return job;
    },
    async recover() {
      if (jobs.backend !== "memory") return { requeued: 0, interrupted: 0 };
      const running = await store.idsWithStatus("running", RECOVER_BATCH);
      for (const id of running) {
        await failWith(id, { code: "interrupted", message: "the gateway stopped while this job ran; submit it again" });
      }
      const queued = await store.idsWithStatus("queued", RECOVER_BATCH);
      for (const id of queued) await jobs.enqueue(CHAT_JOB, { chatJobId: id } satisfies ChatJobData, { jobId: id });
      if (running.length + queued.length > 0) logger.info({ requeued: queued.length, interrupted: running.length }, "chat jobs recovered");
      return { requeued: queued.length, interrupted: running.length };
    },
  };
}

function errorOf(error: Error): ChatJobError {
  if (isGatewayError(error)) return { code: error.code, message: error.message };
  if (isAbortError(error)) return { code: "interrupted", message: "the generation was cut off; submit it again" };
  if (/stalled/i.test(error.message)) return { code: "interrupted", message: "the replica running this job was lost; submit it again" };
  return { code: "internal_error", message: "the generation failed" };
}

/** The webhook payload: the job as its owner would fetch it, with its user. */
export function eventOf(job: ChatJob): Record<string, unknown> {
  return { userId: job.userId, ...chatJobView(job) };
}

/** The job as `GET /api/v2/chat/jobs/:id` shows it. */
export function chatJobView(job: ChatJob): Record<string, unknown> {
  return {
    id: job.id,
    status: job.status,
    ...(job.result ? { result: job.result } : {}),
    ...(job.error ? { error: job.error } : {}),
    createdAt: new Date(job.createdAt).toISOString(),
    startedAt: job.startedAt === null ? null : new Date(job.startedAt).toISOString(),
    completedAt: job.completedAt === null ? null : new Date(job.completedAt).toISOString(),
  };
}
