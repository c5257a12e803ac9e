/**
 * Requests per minute: each request takes one point from every limit that applies (per key, per user) or from
 * none. A refused request gives its points back, so only requests that passed count.
 */
import type { Principal, RouteClass } from "../auth/principal.js";
import type { RateLimitsConfig } from "../config/securitySchema.js";
import { requestRules } from "./limitRules.js";
import { longestWait, stateOf, tightest, type LimitState } from "./limitState.js";
import type { WindowCounter } from "./windowCounter.js";

export interface RequestVerdict {
  allowed: boolean;
  /** Allowed: the tightest limit after this request. Refused: the spent limit to wait for. */
  state: LimitState;
}

export interface RequestLimiter {
  /** Counts one request; undefined when no limit applies (limits off, or every applicable one is 0). */
  take(principal: Principal, routeClass: RouteClass): Promise<RequestVerdict | undefined>;
}

export function createRequestLimiter(config: RateLimitsConfig, counterFor: (name: string) => WindowCounter): RequestLimiter {
  return {
    async take(principal, routeClass) {
      const rules = requestRules(config, principal, routeClass);
      if (rules.length === 0) return undefined;
      const uses = await Promise.all(rules.map((rule) => counterFor(rule.counter).add(rule.subject, 1)));
      const states = rules.map((rule, index) => stateOf(rule, uses[index]!));
      const spent = states.filter((_, index) => uses[index]!.consumed > rules[index]!.limit);
      if (spent.length === 0) return { allowed: true, state: tightest(states)! };
      await Promise.all(rules.map((rule) => counterFor(rule.counter).add(rule.subject, -1)));
      return { allowed: false, state: longestWait(spent)! };
    },
  };
}
