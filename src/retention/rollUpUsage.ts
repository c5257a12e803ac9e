/**
 * Usage roll-ups: recompute whole UTC days of the daily usage table from the ledger. Idempotent (a re-run writes
 * the same rows) and safe on several replicas at once (each day's replace is serialized); a day retention has
 * started to purge is final and left alone.
 */
import type { Store } from "../store/openStore.js";
import type { DayRollup } from "../store/usageRollups.js";
import type { UsageRollupConfig } from "../config/retentionSchema.js";
import { DAY_MS, dayOf, dayStart, daysBetween } from "../store/utcDay.js";
import { yieldToEventLoop } from "../store/yieldToEventLoop.js";

export interface RollUpOptions {
  /** Epoch ms: every UTC day overlapping [from, to) is recomputed. */
  from: number;
  to: number;
  signal?: AbortSignal | undefined;
  /** Ledger rows summed per statement (default 10 000). */
  batchSize?: number | undefined;
  /** Epoch ms recorded as the roll-up time (default: now). */
  now?: number | undefined;
}

export interface RollUpResult {
  /** Days recomputed, oldest first. */
  rolledUp: DayRollup[];
  /** Days left as they were because retention has sealed them. */
  sealed: string[];
}

export async function rollUpUsage(store: Store, options: RollUpOptions): Promise<RollUpResult> {
  return rollUpDays(store, daysBetween(options.from, options.to), options);
}

/**
 * The scheduled run: today and the `rollupLookbackDays` before it (late ledger rows land there), plus any older
 * day that has ledger rows but was never rolled up (the first run on an existing ledger, or a long outage).
 */
export async function rollUpRecentUsage(
  store: Store,
  usage: Pick<UsageRollupConfig, "rollupLookbackDays" | "rollupBatchSize">,
  options: { now: number; signal?: AbortSignal | undefined },
): Promise<RollUpResult> {
  const recentFrom = dayStart(dayOf(options.now)) - usage.rollupLookbackDays * DAY_MS;
  const older = await store.rollups.daysNotRolledUp(recentFrom, options.signal);
  const days = [...older, ...daysBetween(recentFrom, options.now + 1)];
  return rollUpDays(store, days, { ...options, batchSize: usage.rollupBatchSize });
}

async function rollUpDays(
  store: Store,
  days: readonly string[],
  options: { signal?: AbortSignal | undefined; batchSize?: number | undefined; now?: number | undefined },
): Promise<RollUpResult> {
  const result: RollUpResult = { rolledUp: [], sealed: [] };
  for (const day of days) {
    await yieldToEventLoop();
    options.signal?.throwIfAborted();
    const outcome = await store.rollups.recomputeDay(day, {
      batchSize: options.batchSize ?? 10_000,
      now: options.now ?? Date.now(),
      signal: options.signal,
    });
    if (outcome.outcome === "sealed") result.sealed.push(day);
    else result.rolledUp.push(outcome);
  }
  return result;
}
