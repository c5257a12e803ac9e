/**
 * Requests per minute: each request takes one point from every limit that applies (per key, per user) or from
 * none. A refused request gives its points back, so only requests that passed count. Over counters that answer
 * at once (memory) a take answers at once too; over Redis it answers with a promise.
 */
import type { Principal, RouteClass } from "../auth/principal.js";
import type { RateLimitsConfig } from "../config/securitySchema.js";
import { addToAll } from "./addToAll.js";
import { countedRules, type CountedRule } from "./countedRule.js";
import { requestRules } from "./limitRules.js";
import { longerWait, stateOf, tighter, type LimitState } from "./limitState.js";
import { promiseOf, type MaybePromise } from "../maybePromise.js";
import { perPrincipal } from "./perPrincipal.js";
import type { WindowCounter, WindowUse } from "./windowCounter.js";

export interface RequestVerdict {
  allowed: boolean;
  /** Allowed: the tightest limit after this request. Refused: the spent limit to wait for. */
  state: LimitState;
}

export interface RequestLimiter {
  /** Counts one request; undefined when no limit applies (limits off, or every applicable one is 0). */
  take(principal: Principal, routeClass: RouteClass): MaybePromise<RequestVerdict | undefined>;
}

type RulesByClass = { [routeClass in RouteClass]?: readonly CountedRule[] };

export function createRequestLimiter(config: RateLimitsConfig, counterFor: (name: string) => WindowCounter): RequestLimiter {
  // Filled per class on first use: most principals only ever call one or two classes.
  const classesOf = perPrincipal((): RulesByClass => ({}));
  const rulesOf = (principal: Principal, routeClass: RouteClass): readonly CountedRule[] => {
    const byClass = classesOf(principal);
    return (byClass[routeClass] ??= countedRules(requestRules(config, principal, routeClass), counterFor));
  };

  return {
    take(principal, routeClass) {
      const rules = rulesOf(principal, routeClass);
      if (rules.length === 0) return undefined;
      let tightest: LimitState | undefined;
      let wait: LimitState | undefined;
      for (let i = 0; i < rules.length; i++) {
        const { rule, counter } = rules[i]!;
        const use = counter.add(rule.subject, 1);
        if (use instanceof Promise) return takeLater(rules, i, use, tightest, wait);
        const state = stateOf(rule, use);
        tightest = tighter(tightest, state);
        if (use.consumed > rule.limit) wait = longerWait(wait, state);
      }
      return verdictOf(rules, tightest!, wait);
    },
  };
}

/**
 * The rest of a take once a counter answered with a promise: the counters after it are still called at once, so
 * every add is under way together, and the limits are folded in the same order as on the synchronous path.
 */
async function takeLater(
  rules: readonly CountedRule[],
  from: number,
  first: Promise<WindowUse>,
  tightestSoFar: LimitState | undefined,
  waitSoFar: LimitState | undefined,
): Promise<RequestVerdict> {
  const pending = [first];
  for (let i = from + 1; i < rules.length; i++) {
    const { rule, counter } = rules[i]!;
    pending.push(promiseOf(() => counter.add(rule.subject, 1)));
  }
  const uses = await Promise.all(pending);
  let tightest = tightestSoFar;
  let wait = waitSoFar;
  for (let i = from; i < rules.length; i++) {
    const { rule } = rules[i]!;
    const use = uses[i - from]!;
    const state = stateOf(rule, use);
    tightest = tighter(tightest, state);
    if (use.consumed > rule.limit) wait = longerWait(wait, state);
  }
  return verdictOf(rules, tightest!, wait);
}

function verdictOf(rules: readonly CountedRule[], tightest: LimitState, wait: LimitState | undefined): MaybePromise<RequestVerdict> {
  if (wait === undefined) return { allowed: true, state: tightest };
  const refused: RequestVerdict = { allowed: false, state: wait };
  const givenBack = addToAll(rules, -1);
  return givenBack instanceof Promise ? givenBack.then(() => refused) : refused;
}
