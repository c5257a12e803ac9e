/**
 * Tokens per minute on the chat class. A request's tokens are only known once it finished, so the meter records
 * them afterwards (consume) and the next request is refused while the window's tokens are spent (check). A
 * request may therefore overshoot the limit once; the window after it pays for that.
 */
import type { Principal } from "../auth/principal.js";
import type { RateLimitsConfig } from "../config/securitySchema.js";
import { tokenRules } from "./limitRules.js";
import { longestWait, rateLimitedError, stateOf, type LimitState } from "./limitState.js";
import type { WindowCounter } from "./windowCounter.js";

export interface TokenLimiter {
  /** Throws GatewayError("rate_limited", …, { retryAfterSeconds }) when the principal's tokens-per-minute are already spent (per key and per user, chat class). */
  check(principal: Principal): Promise<void>;
  /** Records tokens used by a finished request (input + output). */
  consume(principal: Principal, tokens: number): Promise<void>;
}

export interface TokenLimits extends TokenLimiter {
  /** The spent limit to wait for, or undefined while tokens are left: what the HTTP hook turns into headers. */
  spent(principal: Principal): Promise<LimitState | undefined>;
}

export function createTokenLimiter(config: RateLimitsConfig, counterFor: (name: string) => WindowCounter): TokenLimits {
  const spent = async (principal: Principal): Promise<LimitState | undefined> => {
    const rules = tokenRules(config, principal);
    if (rules.length === 0) return undefined;
    const uses = await Promise.all(rules.map((rule) => counterFor(rule.counter).read(rule.subject)));
    return longestWait(rules.flatMap((rule, index) => (uses[index]!.consumed >= rule.limit ? [stateOf(rule, uses[index]!)] : [])));
  };
  return {
    spent,
    async check(principal) {
      const state = await spent(principal);
      if (state) throw rateLimitedError(state);
    },
    async consume(principal, tokens) {
      // Usage comes from engines; a missing or nonsensical count must not give points back.
      if (!Number.isFinite(tokens) || tokens <= 0) return;
      const points = Math.ceil(tokens);
      await Promise.all(tokenRules(config, principal).map((rule) => counterFor(rule.counter).add(rule.subject, points)));
    },
  };
}
