/**
 * The route's side of the cache: decide, look up and count, in one call, so the route only branches on the outcome.
 */
import type { ChatRequest } from "../engines/spec.js";
import type { Principal } from "../auth/principal.js";
import type { Metrics } from "../observability/createMetrics.js";
import type { CachedAnswer } from "./cachedAnswer.js";
import { cacheDecision } from "./cacheDecision.js";
import type { CacheDimensions } from "./cacheGenerations.js";
import type { ResponseCache } from "./createResponseCache.js";
import { requestDigest } from "./requestDigest.js";

export type CacheOutcome =
  | { result: "bypass" }
  | { result: "hit"; answer: CachedAnswer }
  | {
      result: "miss";
      dimensions: CacheDimensions;
      key: string;
      ttlMs: number;
      /** How long past the TTL the answer is kept for stale-if-error (0: not kept). */
      staleMs: number;
      /** An expired answer to the same request, to serve only when every engine of the route fails. */
      stale?: CachedAnswer | undefined;
    };

export async function cacheLookupForRequest(
  cache: ResponseCache,
  input: {
    principal: Principal;
    /** The model as the client sent it. */
    model: string;
    /** The route or model the router resolved it to, for TTL overrides. */
    route: string;
    /** The route's own stale-if-error window, when it sets one; else the cache's default. */
    staleIfErrorSeconds?: number | undefined;
    header: string | string[] | undefined;
    request: Omit<ChatRequest, "model">;
  },
  metrics?: Metrics,
): Promise<CacheOutcome> {
  const outcome = await decide(cache, input);
  metrics?.cacheRequests.inc({ result: outcome.result });
  return outcome;
}

async function decide(cache: ResponseCache, input: Parameters<typeof cacheLookupForRequest>[1]): Promise<CacheOutcome> {
  if (cacheDecision(cache.config.mode, input.header, input.request.temperature) === "bypass") return { result: "bypass" };
  // The tenant is the user: every key of one user shares its answers, another user never sees them.
  const dimensions: CacheDimensions = { tenant: input.principal.userId, model: input.model, keyId: input.principal.keyId };
  const digest = requestDigest({ tenant: dimensions.tenant, model: input.model, request: input.request });
  const found = await cache.lookup(dimensions, digest);
  if (found.answer) return { result: "hit", answer: found.answer };
  const staleMs = Math.ceil((input.staleIfErrorSeconds ?? cache.config.staleIfErrorSeconds) * 1000);
  // An entry kept under a longer window than the route now allows is not offered: the route's window rules.
  const stale = staleMs > 0 && found.stale && found.stale.expiresAt + staleMs > Date.now() ? found.stale : undefined;
  return { result: "miss", dimensions, key: found.key, ttlMs: cache.ttlMsFor(input.model, input.route), staleMs, stale };
}
