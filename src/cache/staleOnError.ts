/**
 * Stale-if-error: which expired answer, if any, may stand in for a live one. Only when the engines are at fault
 * (every target of the route failed, its breaker is open, all are at capacity or timed out): a client error, a
 * refused limit or a client that went away is answered as it is.
 */
import { isEngineFault } from "../routing/policyErrors.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../observability/createMetrics.js";
import type { CachedAnswer } from "./cachedAnswer.js";
import type { CacheOutcome } from "./cacheLookupForRequest.js";

/** RFC 7234's warning for a stale response; clients and proxies that know it can tell the answer is old. */
export const staleWarning = '110 switchyard "Response is Stale"';

export function staleOnError(outcome: CacheOutcome | undefined, error: unknown, signal: AbortSignal): CachedAnswer | undefined {
  if (outcome?.result !== "miss" || !outcome.stale || signal.aborted || !isEngineFault(error)) return undefined;
  const limit = outcome.stale.expiresAt + outcome.staleMs;
  return limit > Date.now() ? outcome.stale : undefined;
}

/** Counts and logs a stale answer about to be served: operators must see that clients get old answers. */
export function announceStale(answer: CachedAnswer, error: unknown, route: string, log: Logger, metrics: Metrics | undefined): void {
  metrics?.cacheRequests.inc({ result: "stale" });
  log.warn(
    { err: error, route, expiredMs: Date.now() - answer.expiresAt },
    "every engine of the route failed: serving an expired cached answer (stale-if-error)",
  );
}
