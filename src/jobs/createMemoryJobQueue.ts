/**
 * The in-process job queue: jobs live in this process's memory and are lost with it (what a lost job leaves
 * behind is for its owner to recover at start, as the asynchronous chat does). Timers are unref'd, so a pending
 * retry or schedule never keeps the process alive on its own.
 */
import { randomUUID } from "node:crypto";
import type { JobsConfig } from "../config/jobsSchema.js";
import type { Logger } from "../logger.js";
import {
  backoffDelay,
  errorMessageOf,
  type EnqueueOptions,
  type JobDefinition,
  type JobQueue,
  type JobRecord,
  type JobState,
} from "./jobQueue.js";

interface MemoryJob {
  id: string;
  name: string;
  data: unknown;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  result?: unknown;
  error?: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  runAt?: number;
  timer?: NodeJS.Timeout;
}

interface Definition {
  // Stored without its data type: the queue hands each handler the data enqueued under its name.
  definition: JobDefinition<unknown, unknown>;
  attempts: number;
  backoffMs: number;
  concurrency: number;
  running: number;
  ready: MemoryJob[];
}

export interface MemoryJobQueueOptions {
  config: Readonly<JobsConfig>;
  logger: Logger;
  now?: () => number;
}

export function createMemoryJobQueue(options: MemoryJobQueueOptions): JobQueue {
  const { config, logger } = options;
  const now = options.now ?? Date.now;
  const definitions = new Map<string, Definition>();
  const jobs = new Map<string, MemoryJob>();
  const schedules = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  const abort = new AbortController();
  let started = false;
  let closing: Promise<void> | undefined;
  let closed = false;

  const definitionOf = (name: string): Definition => {
    const found = definitions.get(name);
    if (!found) throw new Error(`no job named "${name}" is defined`);
    return found;
  };

  // Finished jobs are kept for the admin API up to a bound per name and state, oldest dropped first.
  const prune = (name: string, state: "completed" | "failed") => {
    const keep = state === "completed" ? config.keepCompleted : config.keepFailed;
    const finished = [...jobs.values()].filter((job) => job.name === name && job.state === state);
    finished.sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0));
    for (const job of finished.slice(0, Math.max(0, finished.length - keep))) jobs.delete(job.id);
  };

  const pump = (name: string) => {
    const entry = definitions.get(name);
    if (!entry || !started || closing) return;
    while (entry.running < entry.concurrency && entry.ready.length > 0) {
      const job = entry.ready.shift() as MemoryJob;
      entry.running++;
      const run: Promise<void> = execute(entry, job).finally(() => {
        entry.running--;
        running.delete(run);
        pump(name);
      });
      running.add(run);
    }
  };

  const makeReady = (job: MemoryJob) => {
    job.state = "waiting";
    delete job.runAt;
    delete job.timer;
    definitionOf(job.name).ready.push(job);
    pump(job.name);
  };

  const delay = (job: MemoryJob, ms: number) => {
    job.state = "delayed";
    job.runAt = now() + ms;
    job.timer = setTimeout(() => makeReady(job), ms);
    job.timer.unref();
  };

  const execute = async (entry: Definition, job: MemoryJob): Promise<void> => {
    job.state = "active";
    job.attempts++;
    job.startedAt = now();
    delete job.error;
    try {
      job.result = await entry.definition.handler(job.data, { id: job.id, attempt: job.attempts, signal: abort.signal });
      job.state = "completed";
      job.finishedAt = now();
      prune(job.name, "completed");
    } catch (error) {
      job.error = errorMessageOf(error);
      if (closing) {
        // Cut by shutdown: not the job's failure, and this process is going away with every job it holds.
        job.state = "waiting";
        return;
      }
      if (job.attempts < job.maxAttempts) {
        delay(job, backoffDelay(entry.backoffMs, job.attempts));
        return;
      }
      job.state = "failed";
      job.finishedAt = now();
      logger.warn({ job: job.name, jobId: job.id, attempts: job.attempts, err: error }, "job failed");
      await entry.definition.onFailed?.(job.data, error instanceof Error ? error : new Error(String(error)), { id: job.id }).catch((hookError: unknown) =>
        logger.error({ err: hookError, job: job.name, jobId: job.id }, "job failure hook failed"),
      );
      prune(job.name, "failed");
    }
  };

  const add = (name: string, data: unknown, enqueue: EnqueueOptions = {}): string => {
    const entry = definitionOf(name);
    const id = enqueue.jobId ?? randomUUID();
    if (jobs.has(id)) return id;
    const job: MemoryJob = { id, name, data, state: "waiting", attempts: 0, maxAttempts: entry.attempts, createdAt: now() };
    jobs.set(id, job);
    if (enqueue.delayMs !== undefined && enqueue.delayMs > 0) delay(job, enqueue.delayMs);
    else makeReady(job);
    return id;
  };

  return {
    backend: "memory",
    define(name, definition) {
      if (started) throw new Error(`job "${name}" defined after start()`);
      if (definitions.has(name)) throw new Error(`job "${name}" is already defined`);
      definitions.set(name, {
        definition: definition as JobDefinition<unknown, unknown>,
        attempts: definition.attempts ?? config.attempts,
        backoffMs: definition.backoffMs ?? config.backoffMs,
        concurrency: definition.concurrency ?? config.concurrency,
        running: 0,
        ready: [],
      });
    },
    async enqueue(name, data, enqueue) {
      // While closing, jobs are still taken (a running job may queue a follow-up) but no longer started.
      if (closed) throw new Error("the job queue is closed");
      return add(name, data, enqueue);
    },
    async schedule(name, everyMs, data = {}) {
      definitionOf(name);
      clearInterval(schedules.get(name));
      const timer = setInterval(() => {
        // One replica, one timer; a run still pending from the last tick is not doubled.
        const pending = [...jobs.values()].some((job) => job.name === name && (job.state === "waiting" || job.state === "active" || job.state === "delayed"));
        if (!pending && !closing) add(name, data);
      }, everyMs);
      timer.unref();
      schedules.set(name, timer);
    },
    async get(id) {
      const job = jobs.get(id);
      return job ? recordOf(job) : undefined;
    },
    async list(filter) {
      return [...jobs.values()]
        .filter((job) => (filter.state === undefined || job.state === filter.state) && (filter.name === undefined || job.name === filter.name))
        .sort((a, b) => b.createdAt - a.createdAt)
        .slice(0, filter.limit)
        .map(recordOf);
    },
    async retry(id) {
      const job = jobs.get(id);
      if (!job) return "not_found";
      if (job.state !== "failed") return "not_failed";
      job.attempts = 0;
      delete job.finishedAt;
      makeReady(job);
      return "retried";
    },
    async waitingCounts() {
      const counts: Record<string, number> = {};
      for (const name of definitions.keys()) counts[name] = 0;
      for (const job of jobs.values()) if (job.state === "waiting" || job.state === "delayed") counts[job.name] = (counts[job.name] ?? 0) + 1;
      return counts;
    },
    async start() {
      started = true;
      for (const name of definitions.keys()) pump(name);
    },
    close(graceMs) {
      closing ??= (async () => {
        for (const timer of schedules.values()) clearInterval(timer);
        for (const job of jobs.values()) clearTimeout(job.timer);
        if (running.size > 0) {
          let timer: NodeJS.Timeout | undefined;
          const finished = Promise.allSettled([...running]).then(() => true);
          const inTime = await Promise.race([finished, new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)))]);
          clearTimeout(timer);
          if (!inTime) {
            logger.warn({ running: running.size }, "jobs still running at the end of the grace period: aborting them");
            abort.abort(new DOMException("the job queue is shutting down", "AbortError"));
          }
          await Promise.allSettled([...running]);
        }
        closed = true;
      })();
      return closing;
    },
  };
}

function recordOf(job: MemoryJob): JobRecord {
  return {
    id: job.id,
    name: job.name,
    state: job.state,
    data: job.data,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    ...(job.result !== undefined ? { result: job.result } : {}),
    ...(job.error !== undefined ? { error: job.error } : {}),
    createdAt: job.createdAt,
    ...(job.startedAt !== undefined ? { startedAt: job.startedAt } : {}),
    ...(job.finishedAt !== undefined ? { finishedAt: job.finishedAt } : {}),
    ...(job.runAt !== undefined ? { runAt: job.runAt } : {}),
  };
}
