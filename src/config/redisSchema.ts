/**
 * Redis: shared rate-limit and budget counters (and, later, the response cache and jobs) across replicas.
 * Optional: without it every counter lives in the process.
 */
import { z } from "zod";

export const redisSchema = z
  .object({
    /** redis://[user:password@]host:port[/db] or rediss:// for TLS. */
    url: z.string().regex(/^rediss?:\/\//, "must start with redis:// or rediss://"),
    /** Prefix of every key; replicas of one deployment share it, separate deployments on one Redis must not. */
    keyPrefix: z.string().min(1).default("sy:"),
    /**
     * open: while Redis is unreachable, limits and budgets fall back to this process's own counters (requests keep
     * flowing, readiness says degraded); closed: requests that need a shared counter get 503 store_unavailable.
     */
    failMode: z.enum(["open", "closed"]).default("open"),
    connectTimeoutMs: z.number().int().positive().default(2000),
    /** A command without an answer by then fails (and, in open mode, falls back). */
    commandTimeoutMs: z.number().int().positive().default(500),
  })
  .strict();

export type RedisConfig = z.infer<typeof redisSchema>;
