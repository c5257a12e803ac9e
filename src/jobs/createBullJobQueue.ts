/**
 * The job queue on Redis (BullMQ): jobs outlive the process, any replica runs them, and a job whose worker died
 * is taken up again by another (BullMQ's stalled-job check). One BullMQ queue per job name, so each name has its
 * own concurrency. Keys live under `{<redis.keyPrefix>jobs}`: the hash tag puts every key of every queue in one
 * Redis Cluster slot, which BullMQ's multi-key scripts need. Finished jobs are trimmed (jobs.keepCompleted,
 * jobs.keepFailed) so Redis does not grow without bound.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { Queue, WaitingError, Worker, type Job, type JobType } from "bullmq";
import type { JobsConfig } from "../config/jobsSchema.js";
import type { RedisConfig } from "../config/redisSchema.js";
import type { Logger } from "../logger.js";
import { jobStates, type JobDefinition, type JobQueue, type JobRecord, type JobState } from "./jobQueue.js";

export interface BullJobQueueOptions {
  config: Readonly<JobsConfig>;
  redis: Readonly<RedisConfig>;
  logger: Logger;
}

interface Entry {
  definition: JobDefinition<unknown, unknown>;
  queue: Queue;
  concurrency: number;
  worker?: Worker;
  workerConnection?: Redis;
}

/** The BullMQ prefix for a Redis key prefix: its own hash tag, so a Redis Cluster keeps each queue in one slot. */
export function bullPrefixOf(keyPrefix: string): string {
  return `{${keyPrefix}jobs}`;
}

const SHUTDOWN = "the job queue is shutting down";

export function createBullJobQueue(options: BullJobQueueOptions): JobQueue {
  const { config, redis, logger } = options;
  const prefix = bullPrefixOf(redis.keyPrefix);
  // Producers fail after one reconnect attempt instead of queueing commands while Redis is away; workers wait
  // (BullMQ requires maxRetriesPerRequest: null for their blocking connections).
  const producer = new Redis(redis.url, {
    connectTimeout: redis.connectTimeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000),
  });
  const reported = new Set<string>();
  const reportError = (source: string) => (error: Error) => {
    // ioredis repeats a connection error on every reconnect attempt: log the first of each source.
    if (reported.has(source)) return;
    reported.add(source);
    logger.warn({ err: error, source }, "jobs: redis error (retrying)");
  };
  producer.on("error", reportError("producer"));
  producer.on("ready", () => reported.clear());
  const entries = new Map<string, Entry>();
  let started = false;
  let closing: Promise<void> | undefined;
  let closed = false;

  const entryOf = (name: string): Entry => {
    const entry = entries.get(name);
    if (!entry) throw new Error(`no job named "${name}" is defined`);
    return entry;
  };

  const find = async (id: string): Promise<{ entry: Entry; job: Job } | undefined> => {
    for (const entry of entries.values()) {
      const job = await entry.queue.getJob(id);
      if (job) return { entry, job };
    }
    return undefined;
  };

  const startWorker = (name: string, entry: Entry) => {
    const connection = new Redis(redis.url, {
      connectTimeout: redis.connectTimeoutMs,
      maxRetriesPerRequest: null,
      retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000),
    });
    connection.on("error", reportError(`worker:${name}`));
    const worker = new Worker(
      name,
      async (job: Job, token: string | undefined, signal?: AbortSignal) => {
        const aborted = signal ?? new AbortController().signal;
        try {
          return await entry.definition.handler(job.data, { id: job.id ?? "", attempt: job.attemptsMade + 1, signal: aborted });
        } catch (error) {
          if (closing && aborted.aborted && token !== undefined) {
            // Cut by shutdown: back to waiting with no attempt spent, for another replica or the next start.
            await job.moveToWait(token);
            throw new WaitingError();
          }
          throw error;
        }
      },
      {
        connection,
        prefix,
        concurrency: entry.concurrency,
        // A job whose worker vanished is run again once; lost a second time, it fails (and onFailed says so).
        maxStalledCount: 1,
      },
    );
    worker.on("error", reportError(`worker:${name}`));
    worker.on("failed", (job, error) => {
      if (!job || !entry.definition.onFailed) return;
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade < attempts && !/stalled/i.test(error.message)) return;
      logger.warn({ job: name, jobId: job.id, attempts: job.attemptsMade, err: error }, "job failed");
      entry.definition.onFailed(job.data, error, { id: job.id ?? "" }).catch((hookError: unknown) =>
        logger.error({ err: hookError, job: name, jobId: job.id }, "job failure hook failed"),
      );
    });
    entry.worker = worker;
    entry.workerConnection = connection;
  };

  return {
    backend: "bullmq",
    define(name, definition) {
      if (started) throw new Error(`job "${name}" defined after start()`);
      if (entries.has(name)) throw new Error(`job "${name}" is already defined`);
      const attempts = definition.attempts ?? config.attempts;
      const backoffMs = definition.backoffMs ?? config.backoffMs;
      const queue = new Queue(name, {
        connection: producer,
        prefix,
        defaultJobOptions: {
          attempts,
          backoff: { type: "exponential", delay: backoffMs },
          removeOnComplete: { count: config.keepCompleted },
          removeOnFail: { count: config.keepFailed },
        },
      });
      queue.on("error", reportError(`queue:${name}`));
      entries.set(name, { definition: definition as JobDefinition<unknown, unknown>, queue, concurrency: definition.concurrency ?? config.concurrency });
    },
    async enqueue(name, data, enqueue = {}) {
      // While closing, jobs are still added (a running job may queue a follow-up): Redis keeps them.
      if (closed) throw new Error("the job queue is closed");
      const job = await entryOf(name).queue.add(name, data, {
        jobId: enqueue.jobId ?? randomUUID(),
        ...(enqueue.delayMs !== undefined && enqueue.delayMs > 0 ? { delay: enqueue.delayMs } : {}),
      });
      return job.id ?? "";
    },
    async schedule(name, everyMs, data = {}) {
      // The scheduler lives in Redis under the job's name: every replica upserting it keeps one schedule, and
      // BullMQ adds one job per interval whichever replica is up.
      await entryOf(name).queue.upsertJobScheduler(name, { every: everyMs }, { name, data });
    },
    async get(id) {
      const found = await find(id);
      if (!found) return undefined;
      const state = await found.job.getState();
      // The job's fields are read again after its state: a job that finished between the first read and the state
      // would otherwise be reported completed without its result (or failed without its error).
      const settled = (await found.entry.queue.getJob(id)) ?? found.job;
      return recordOf(settled, stateOf(state));
    },
    async list(filter) {
      const names = filter.name === undefined ? [...entries.keys()] : entries.has(filter.name) ? [filter.name] : [];
      const states = filter.state === undefined ? jobStates : [filter.state];
      const records: JobRecord[] = [];
      for (const name of names) {
        const queue = entryOf(name).queue;
        for (const state of states) {
          const jobs = await queue.getJobs(bullTypesOf(state), 0, filter.limit - 1, false);
          for (const job of jobs) if (job) records.push(recordOf(job, state));
        }
      }
      return records.sort((a, b) => b.createdAt - a.createdAt).slice(0, filter.limit);
    },
    async retry(id) {
      const found = await find(id);
      if (!found) return "not_found";
      if ((await found.job.getState()) !== "failed") return "not_failed";
      await found.job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
      return "retried";
    },
    async waitingCounts() {
      const counts: Record<string, number> = {};
      for (const [name, entry] of entries) {
        const byType = await entry.queue.getJobCounts("waiting", "prioritized", "delayed");
        counts[name] = Object.values(byType).reduce((sum, n) => sum + n, 0);
      }
      return counts;
    },
    async start() {
      if (started) return;
      started = true;
      for (const [name, entry] of entries) startWorker(name, entry);
    },
    close(graceMs) {
      closing ??= (async () => {
        const workers = [...entries.values()].filter((entry) => entry.worker !== undefined);
        const stopped = Promise.allSettled(workers.map((entry) => (entry.worker as Worker).close()));
        let timer: NodeJS.Timeout | undefined;
        const inTime = await Promise.race([stopped.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)))]);
        clearTimeout(timer);
        if (!inTime) {
          logger.warn("jobs still running at the end of the grace period: aborting them");
          for (const entry of workers) entry.worker?.cancelAllJobs(SHUTDOWN);
        }
        await stopped;
        await Promise.allSettled([...entries.values()].map((entry) => entry.queue.close()));
        for (const entry of workers) entry.workerConnection?.disconnect();
        closed = true;
        producer.disconnect();
      })();
      return closing;
    },
  };
}

function bullTypesOf(state: JobState): JobType[] {
  return state === "waiting" ? ["waiting", "prioritized", "paused"] : [state];
}

function stateOf(bullState: string): JobState {
  if (bullState === "completed" || bullState === "failed" || bullState === "active" || bullState === "delayed") return bullState;
  return "waiting";
}

function recordOf(job: Job, state: JobState): JobRecord {
  const delay = job.opts.delay ?? 0;
  return {
    id: job.id ?? "",
    name: job.name,
    state,
    data: job.data,
    attempts: Math.max(job.attemptsStarted ?? 0, job.attemptsMade),
    maxAttempts: job.opts.attempts ?? 1,
    ...(job.returnvalue !== undefined && job.returnvalue !== null ? { result: job.returnvalue } : {}),
    ...(job.failedReason ? { error: job.failedReason } : {}),
    createdAt: job.timestamp,
    ...(job.processedOn ? { startedAt: job.processedOn } : {}),
    ...(job.finishedOn ? { finishedAt: job.finishedOn } : {}),
    ...(state === "delayed" ? { runAt: job.timestamp + delay } : {}),
  };
}

