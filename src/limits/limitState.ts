/**
 * What a client hears about a limit: its size, what is left, and when the window resets (the x-ratelimit-*
 * headers), and the rate_limited error with Retry-After once it is spent.
 */
import { GatewayError } from "../errors.js";
import type { LimitRule } from "./limitRules.js";
import type { WindowUse } from "./windowCounter.js";

export interface LimitState {
  scope: LimitRule["scope"];
  unit: LimitRule["unit"];
  limit: number;
  remaining: number;
  /** Whole seconds until the window resets, at least 1: a client that waits this long finds points free again. */
  resetSeconds: number;
}

export function stateOf(rule: LimitRule, use: WindowUse): LimitState {
  return {
    scope: rule.scope,
    unit: rule.unit,
    limit: rule.limit,
    remaining: Math.max(0, rule.limit - use.consumed),
    resetSeconds: Math.max(1, Math.ceil(use.resetMs / 1000)),
  };
}

/**
 * Of two limits, the one closer to refusing: fewer points left, then the longer wait; the first on a tie. Folded
 * over a request's limits in order, it gives the tightest of them without collecting them first.
 */
export function tighter(best: LimitState | undefined, state: LimitState): LimitState {
  return !best || state.remaining < best.remaining || (state.remaining === best.remaining && state.resetSeconds > best.resetSeconds) ? state : best;
}

/** Of two spent limits, the one a client must wait for longer (the first on a tie): only after it can the request pass. */
export function longerWait(best: LimitState | undefined, state: LimitState): LimitState {
  return !best || state.resetSeconds > best.resetSeconds ? state : best;
}

export function rateLimitedError(state: LimitState): GatewayError {
  const owner = state.scope === "key" ? "this API key" : "this user";
  return new GatewayError(
    "rate_limited",
    `rate limit reached: ${state.limit} ${state.unit} per minute for ${owner}; retry in ${state.resetSeconds} s`,
    { retryAfterSeconds: state.resetSeconds },
  );
}
