/**
 * The background job queue: one interface, two backends (in-process, and BullMQ on Redis), chosen by whether
 * `redis` is configured. Jobs are named; a name is defined once with its handler and retry policy, before
 * start(). Handlers get an AbortSignal that fires when the queue closes past its grace period.
 */
export type JobState = "waiting" | "delayed" | "active" | "completed" | "failed";

export const jobStates: readonly JobState[] = ["waiting", "delayed", "active", "completed", "failed"];

export interface JobContext {
  id: string;
  /** 1 for the first run. */
  attempt: number;
  signal: AbortSignal;
}

export type JobHandler<Data, Result> = (data: Data, context: JobContext) => Promise<Result>;

export interface JobDefinition<Data, Result> {
  handler: JobHandler<Data, Result>;
  /** Runs in all, the first included; the configured `jobs.attempts` when absent. */
  attempts?: number;
  /** Exponential: the n-th retry waits backoffMs · 2^(n−1); the configured `jobs.backoffMs` when absent. */
  backoffMs?: number;
  /** Runs of this name at once in this process; the configured `jobs.concurrency` when absent. */
  concurrency?: number;
  /**
   * Called once a job has failed for good (attempts spent, or lost with its worker more often than allowed), so
   * whatever the job tracks elsewhere can say so. Errors it throws are logged, never retried.
   */
  onFailed?: (data: Data, error: Error, context: { id: string }) => Promise<void>;
}

export interface EnqueueOptions {
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
  /** A job with this id that is still known is not added again (no colons: BullMQ reserves them). */
  jobId?: string;
}

export interface JobRecord {
  id: string;
  name: string;
  state: JobState;
  data: unknown;
  /** Runs started so far. */
  attempts: number;
  maxAttempts: number;
  result?: unknown;
  /** The last run's error message. */
  error?: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** When a delayed job is due. */
  runAt?: number;
}

export interface JobFilter {
  state?: JobState;
  name?: string;
  /** Newest first, at most this many. */
  limit: number;
}

export type RetryOutcome = "retried" | "not_found" | "not_failed";

export interface JobQueue {
  readonly backend: "memory" | "bullmq";
  /** Declares a job name and how it runs. Only before start(); a name is defined once. */
  define<Data, Result>(name: string, definition: JobDefinition<Data, Result>): void;
  /** Adds a job of a defined name; resolves with its id once it is stored (with BullMQ: in Redis). */
  enqueue(name: string, data: unknown, options?: EnqueueOptions): Promise<string>;
  /**
   * Runs a job of a defined name every `everyMs`, once per interval across every replica sharing the queue
   * (with BullMQ, a job scheduler; in process, a timer). Calling it again replaces the interval.
   */
  schedule(name: string, everyMs: number, data?: unknown): Promise<void>;
  get(id: string): Promise<JobRecord | undefined>;
  list(filter: JobFilter): Promise<JobRecord[]>;
  /** Runs a failed job again, with its attempts counted afresh. */
  retry(id: string): Promise<RetryOutcome>;
  /** Jobs waiting or delayed, by name: for the jobs_waiting gauge. */
  waitingCounts(): Promise<Record<string, number>>;
  /** Begins running jobs; those enqueued before wait for it. */
  start(): Promise<void>;
  /**
   * Stops taking jobs, lets running ones finish for up to `graceMs`, then aborts their signals and waits for
   * them to return. Safe to call more than once.
   */
  close(graceMs: number): Promise<void>;
}

/** The wait before run `attempt + 1` after run `attempt` failed. */
export function backoffDelay(backoffMs: number, attempt: number): number {
  return backoffMs * 2 ** (attempt - 1);
}

export function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
