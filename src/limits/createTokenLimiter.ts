/**
 * Tokens per minute on the chat class. A request's tokens are only known once it finished, so the meter records
 * them afterwards (consume) and the next request is refused while the window's tokens are spent (check). A
 * request may therefore overshoot the limit once; the window after it pays for that. Over counters that answer
 * at once (memory) every call answers at once, check throwing rather than rejecting; over Redis they answer with
 * promises.
 */
import type { Principal } from "../auth/principal.js";
import type { RateLimitsConfig } from "../config/securitySchema.js";
import { addToAll } from "./addToAll.js";
import { countedRules, type CountedRule } from "./countedRule.js";
import { tokenRules } from "./limitRules.js";
import { longerWait, rateLimitedError, stateOf, type LimitState } from "./limitState.js";
import { promiseOf, type MaybePromise } from "../maybePromise.js";
import { perPrincipal } from "./perPrincipal.js";
import type { WindowCounter, WindowUse } from "./windowCounter.js";

export interface TokenLimiter {
  /**
   * Throws GatewayError("rate_limited", …, { retryAfterSeconds }) when the principal's tokens-per-minute are
   * already spent (per key and per user, chat class): at once over a synchronous store, as a rejection otherwise.
   */
  check(principal: Principal): MaybePromise<void>;
  /** Records tokens used by a finished request (input + output). */
  consume(principal: Principal, tokens: number): MaybePromise<void>;
}

export interface TokenLimits extends TokenLimiter {
  /** The spent limit to wait for, or undefined while tokens are left: what the HTTP hook turns into headers. */
  spent(principal: Principal): MaybePromise<LimitState | undefined>;
}

export function createTokenLimiter(config: RateLimitsConfig, counterFor: (name: string) => WindowCounter): TokenLimits {
  const rulesOf = perPrincipal((principal) => countedRules(tokenRules(config, principal), counterFor));
  const spent = (principal: Principal): MaybePromise<LimitState | undefined> => {
    const rules = rulesOf(principal);
    let wait: LimitState | undefined;
    for (let i = 0; i < rules.length; i++) {
      const { rule, counter } = rules[i]!;
      const use = counter.read(rule.subject);
      if (use instanceof Promise) return spentLater(rules, i, use, wait);
      if (use.consumed >= rule.limit) wait = longerWait(wait, stateOf(rule, use));
    }
    return wait;
  };
  return {
    spent,
    check(principal) {
      const state = spent(principal);
      if (state instanceof Promise) return state.then(refuseIfSpent);
      refuseIfSpent(state);
    },
    consume(principal, tokens) {
      // Usage comes from engines; a missing or nonsensical count must not give points back.
      if (!Number.isFinite(tokens) || tokens <= 0) return;
      return addToAll(rulesOf(principal), Math.ceil(tokens));
    },
  };
}

/** The rest of spent() once a counter answered with a promise; every read after it is still sent at once. */
async function spentLater(
  rules: readonly CountedRule[],
  from: number,
  first: Promise<WindowUse>,
  waitSoFar: LimitState | undefined,
): Promise<LimitState | undefined> {
  const pending = [first];
  for (let i = from + 1; i < rules.length; i++) {
    const { rule, counter } = rules[i]!;
    pending.push(promiseOf(() => counter.read(rule.subject)));
  }
  const uses = await Promise.all(pending);
  let wait = waitSoFar;
  for (let i = from; i < rules.length; i++) {
    const { rule } = rules[i]!;
    const use = uses[i - from]!;
    if (use.consumed >= rule.limit) wait = longerWait(wait, stateOf(rule, use));
  }
  return wait;
}

function refuseIfSpent(state: LimitState | undefined): void {
  if (state) throw rateLimitedError(state);
}
