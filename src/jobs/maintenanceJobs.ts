/**
 * The store's housekeeping as scheduled background jobs: daily usage roll-ups (`usage.rollup`) and retention
 * (`retention.purge`). With BullMQ one replica runs each per interval; both are idempotent and take their own
 * locks, so a run repeated after a failure or overlapping another replica's is harmless. Their results (days
 * rolled up, rows deleted) are the job's result in `/api/v2/admin/jobs`.
 */
import type { Config } from "../config/schema.js";
import type { Store } from "../store/openStore.js";
import { rollUpRecentUsage } from "../retention/rollUpUsage.js";
import { purgeExpired, type PurgeResult } from "../retention/purgeExpired.js";
import type { JobQueue } from "./jobQueue.js";

export const USAGE_ROLLUP_JOB = "usage.rollup";
export const RETENTION_JOB = "retention.purge";

const MINUTE_MS = 60_000;

export interface RollUpSummary {
  /** UTC days recomputed. */
  days: string[];
  /** Days left alone because retention has sealed them. */
  sealed: string[];
}

type MaintenanceConfig = Pick<Config, "usage" | "retention" | "requestLog">;

/** Defines both jobs; call before jobs.start(). */
export function defineMaintenanceJobs(jobs: JobQueue, store: Store, config: MaintenanceConfig, now: () => number = Date.now): void {
  jobs.define<unknown, RollUpSummary>(USAGE_ROLLUP_JOB, {
    // One run at a time is enough: a second would recompute the same days.
    concurrency: 1,
    handler: async (_data, { signal }) => {
      const result = await rollUpRecentUsage(store, config.usage, { now: now(), signal });
      return { days: result.rolledUp.map((day) => day.day), sealed: result.sealed };
    },
  });
  jobs.define<unknown, PurgeResult>(RETENTION_JOB, {
    concurrency: 1,
    handler: (_data, { signal }) => purgeExpired(store, config.retention, { now: now(), signal }),
  });
}

/** Whether retention has anything to do: 0 days keeps everything, and bodies age only while they are logged. */
export function retentionEnabled(config: MaintenanceConfig): boolean {
  const bodies = config.requestLog.bodies && config.retention.requestBodiesDays > 0;
  return config.retention.sessionsDays > 0 || config.retention.ledgerDays > 0 || bodies;
}

/** Puts both jobs on their intervals (retention only when it is on); call once the queue has started. */
export async function scheduleMaintenanceJobs(jobs: JobQueue, config: MaintenanceConfig): Promise<void> {
  await jobs.schedule(USAGE_ROLLUP_JOB, config.usage.rollupEveryMinutes * MINUTE_MS);
  if (retentionEnabled(config)) await jobs.schedule(RETENTION_JOB, config.retention.everyMinutes * MINUTE_MS);
}
