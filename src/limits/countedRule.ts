/**
 * A limit rule with its counter looked up once, when the rules of a principal are built, so a request goes
 * straight to the counters without finding them by name.
 */
import type { LimitRule } from "./limitRules.js";
import type { WindowCounter } from "./windowCounter.js";

export interface CountedRule {
  readonly rule: LimitRule;
  readonly counter: WindowCounter;
}

export function countedRules(rules: readonly LimitRule[], counterFor: (name: string) => WindowCounter): readonly CountedRule[] {
  return rules.map((rule) => ({ rule, counter: counterFor(rule.counter) }));
}
