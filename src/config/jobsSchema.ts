/**
 * Background jobs: defaults for every job the gateway defines (webhook deliveries, budget alerts, asynchronous
 * chat, scheduled maintenance). With `redis` configured the queue is BullMQ on that Redis; otherwise in-process.
 */
import { z } from "zod";

export const jobsSchema = z
  .object({
    /** Jobs of one name running at once in this process (a job definition may ask for fewer). */
    concurrency: z.number().int().positive().max(1000).default(4),
    /** Runs per job, the first included, before it is failed for good (a definition may say otherwise). */
    attempts: z.number().int().positive().max(100).default(3),
    /** Wait before the second run; each later one waits twice as long. */
    backoffMs: z.number().int().positive().default(1000),
    /** Finished jobs kept for the admin API, per job name; older ones are dropped. */
    keepCompleted: z.number().int().min(0).default(1000),
    /** Failed jobs kept, per job name, until retried or pushed out by newer failures. */
    keepFailed: z.number().int().min(0).default(5000),
    /** How long close() lets running jobs finish at shutdown before aborting them. */
    closeGraceMs: z.number().int().min(0).default(10_000),
  })
  .strict();

export type JobsConfig = z.infer<typeof jobsSchema>;
