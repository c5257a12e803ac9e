/**
 * The PostgreSQL connection pool (`store.pool`). Part of the configuration file's schema (see schema.ts); SQLite
 * has one connection and ignores it.
 */
import { z } from "zod";

const nonNegativeInt = z.number().int().min(0);

export const storePoolSchema = z
  .object({
    /** Connections opened at start and kept through idle periods. */
    min: nonNegativeInt.default(5),
    /** Checkouts beyond this wait in the pool's queue (counted in store_pool_connections{state="waiting"}). */
    max: z.number().int().positive().default(20),
    /** An idle connection above `min` is closed after this (0: never). */
    idleTimeoutMs: nonNegativeInt.default(30_000),
    /**
     * A connection is replaced once this old (0: never), so failovers, DNS changes and server-side memory growth
     * reach every connection eventually. Whole seconds (rounded up): that is what the pool counts in.
     */
    maxLifetimeMs: nonNegativeInt.default(1_800_000),
    /** Longest wait to open a connection; never unbounded, or a dead server would hang requests. */
    connectionTimeoutMs: z.number().int().positive().default(5_000),
    /** The server cancels any statement running longer than this (0: the server's own setting applies). */
    statementTimeoutMs: nonNegativeInt.default(30_000),
  })
  .strict()
  .superRefine((pool, ctx) => {
    if (pool.min > pool.max) {
      ctx.addIssue({ code: "custom", path: ["min"], message: `min (${pool.min}) must not exceed max (${pool.max})` });
    }
  });

export type StorePoolConfig = z.infer<typeof storePoolSchema>;
