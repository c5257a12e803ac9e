/**
 * The rate-limit step of a route's request hook. It reads request.principal, so it runs after authentication.
 * Every limited response carries x-ratelimit-limit/remaining/reset for the tightest limit; a refused one is a
 * 429 rate_limited (in the path's envelope, via the error handler) with Retry-After. With counters in memory it
 * answers without a promise.
 */
import type { FastifyReply } from "fastify";
import type { RouteClass } from "../../auth/principal.js";
import type { RateLimits } from "../../limits/createRateLimits.js";
import { rateLimitedError, type LimitState } from "../../limits/limitState.js";
import type { RequestStep } from "../authentication.js";
import { isPromise } from "../../maybePromise.js";

type Verdict = { allowed: boolean; state: LimitState } | undefined;

/** The step for a route of this class; health checks and unmatched URLs are not limited (they have no step). */
export function rateLimitStep(limits: RateLimits, routeClass: RouteClass): RequestStep {
  const apply = (reply: FastifyReply, verdict: Verdict): void => {
    if (!verdict) return;
    setLimitHeaders(reply, verdict.state);
    if (!verdict.allowed) throw rateLimitedError(verdict.state);
  };
  return (request, reply) => {
    const principal = request.principal;
    // Anonymous callers have no one to count against but one shared bucket, which would let a stranger spend
    // everybody's allowance.
    if (!principal || principal.kind === "anonymous") return;
    // Tokens first: a request refused for spent tokens should not also use up a request. The meter checks again
    // before it reserves a budget; this check covers chat routes whatever the meter does.
    const spent = routeClass === "chat" ? limits.tokens.spent(principal) : undefined;
    const take = (state: LimitState | undefined) => {
      if (state) return apply(reply, { allowed: false, state });
      const verdict = limits.requests.take(principal, routeClass);
      if (isPromise(verdict)) return verdict.then((answer) => apply(reply, answer));
      return apply(reply, verdict);
    };
    return isPromise(spent) ? spent.then(take) : take(spent);
  };
}

export function setLimitHeaders(reply: FastifyReply, state: LimitState): void {
  reply.header("x-ratelimit-limit", String(state.limit));
  reply.header("x-ratelimit-remaining", String(state.remaining));
  reply.header("x-ratelimit-reset", String(state.resetSeconds));
}
