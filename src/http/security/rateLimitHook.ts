/**
 * The onRequest hook that applies rate limits. It reads request.principal, so it must run after authentication.
 * Every limited response carries x-ratelimit-limit/remaining/reset for the tightest limit; a refused one is a
 * 429 rate_limited (in the path's envelope, via the error handler) with Retry-After.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { RouteClass } from "../../auth/principal.js";
import type { RateLimits } from "../../limits/createRateLimits.js";
import { rateLimitedError, type LimitState } from "../../limits/limitState.js";

export function rateLimitHook(limits: RateLimits) {
  return async function rateLimit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const config = request.routeOptions.config;
    const policy = config?.policy;
    const principal = request.principal;
    // Health checks must answer whatever the load; unmatched URLs (no policy) and anonymous callers have no one
    // to count against but one shared bucket, which would let a stranger spend everybody's allowance.
    if (policy === undefined || policy === "public" || !principal || principal.kind === "anonymous") return;
    const routeClass: RouteClass = config.routeClass ?? (policy === "admin" ? "admin" : "other");

    // Tokens first: a request refused for spent tokens should not also use up a request. The meter checks again
    // before it reserves a budget; this check covers chat routes whatever the meter does.
    const spent = routeClass === "chat" ? await limits.tokens.spent(principal) : undefined;
    const verdict = spent ? { allowed: false, state: spent } : await limits.requests.take(principal, routeClass);
    if (!verdict) return;
    setLimitHeaders(reply, verdict.state);
    if (!verdict.allowed) throw rateLimitedError(verdict.state);
  };
}

export function setLimitHeaders(reply: FastifyReply, state: LimitState): void {
  reply.header("x-ratelimit-limit", String(state.limit));
  reply.header("x-ratelimit-remaining", String(state.remaining));
  reply.header("x-ratelimit-reset", String(state.resetSeconds));
}
