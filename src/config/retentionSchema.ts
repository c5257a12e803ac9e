/**
 * Retention (`retention`) and usage roll-ups (`usage`). Part of the configuration file's schema (see schema.ts).
 * Retention deletes nothing unless a number of days is set: removing history cannot be undone, so an operator
 * chooses it. Roll-ups only add a small summary table, so they are on by default.
 */
import { z } from "zod";

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().min(0);

export const retentionSchema = z
  .object({
    /** Sessions (with their messages and feedback) idle for longer than this are removed; 0 keeps them for good. */
    sessionsDays: nonNegativeInt.default(0),
    /** Usage ledger rows older than this are removed once their day is rolled up; 0 keeps them for good. */
    ledgerDays: nonNegativeInt.default(0),
    /** Logged request bodies (requestLog.bodies) older than this are removed; 0 keeps them for good. */
    requestBodiesDays: nonNegativeInt.default(7),
    /** purge: delete; archive: write the rows as gzip'd JSON lines into archiveDir first, then delete them. */
    mode: z.enum(["purge", "archive"]).default("purge"),
    /** Directory for archive files (created when missing); required with mode archive. */
    archiveDir: z.string().min(1).optional(),
    /** Rows read, written and deleted per statement: keeps every lock on PostgreSQL short (and ids within bind limits). */
    batchSize: positiveInt.max(10_000).default(1000),
    /** How often the background job runs (for the scheduler; `switchyard retention run` ignores it). */
    everyMinutes: positiveInt.default(60),
  })
  .strict()
  .superRefine((retention, ctx) => {
    if (retention.mode === "archive" && retention.archiveDir === undefined) {
      ctx.addIssue({ code: "custom", path: ["archiveDir"], message: "mode archive needs an archiveDir to write to" });
    }
  });

export const usageRollupSchema = z
  .object({
    /** How often the background job recomputes the recent days' roll-ups. */
    rollupEveryMinutes: positiveInt.default(15),
    /** Days before today recomputed on every run as well as today, so ledger rows written late are counted. */
    rollupLookbackDays: nonNegativeInt.max(366).default(2),
    /** Ledger rows summed per statement while a day is recomputed. */
    rollupBatchSize: positiveInt.max(1_000_000).default(10_000),
  })
  .strict();

export type RetentionConfig = z.infer<typeof retentionSchema>;
export type UsageRollupConfig = z.infer<typeof usageRollupSchema>;
