/**
 * The resilience settings every engine shares (timeouts, retries, the circuit breaker, the queue bound), which a
 * route may override in part.
 */
import { z } from "zod";

const positiveInt = z.number().int().positive();

export const timeoutsSchema = z
  .object({
    /** Longest wait for the first token, counted from the request (queue wait and retries included). */
    ttftMs: positiveInt.default(10_000),
    /** Longest a whole generation may take on this engine. */
    totalMs: positiveInt.default(90_000),
  })
  .strict();

export const retrySchema = z
  .object({
    /** Retries after the first try, on connect errors, 429 and 5xx, only before any output. */
    attempts: z.number().int().min(0).max(10).default(2),
    baseDelayMs: positiveInt.default(100),
    /** Upper bound of one backoff delay; a longer Retry-After moves on to the next target instead. */
    maxDelayMs: positiveInt.default(5_000),
  })
  .strict();

export const breakerSchema = z
  .object({
    /** Opens when failures / requests over the window reach this ratio. */
    failureRatio: z.number().gt(0).lte(1).default(0.5),
    /** Requests needed in the window before the ratio counts. */
    minRequests: positiveInt.default(10),
    windowMs: positiveInt.default(30_000),
    /** Wait before one trial request is let through. */
    halfOpenAfterMs: positiveInt.default(30_000),
  })
  .strict();

/** Resilience settings every engine type shares. */
export const policyFields = {
  maxQueue: z.number().int().min(0).default(100),
  timeouts: timeoutsSchema.prefault({}),
  retry: retrySchema.prefault({}),
  breaker: breakerSchema.prefault({}),
};

export type TimeoutsConfig = z.infer<typeof timeoutsSchema>;
export type RetryConfig = z.infer<typeof retrySchema>;
export type BreakerConfig = z.infer<typeof breakerSchema>;
