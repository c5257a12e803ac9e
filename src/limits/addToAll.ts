/**
 * Adds the same points to the counter of every rule (a refused request given back, a request's tokens).
 * Synchronous while every counter answers at once; once one answers with a promise, the caller gets a promise
 * of them all.
 */
import type { CountedRule } from "./countedRule.js";
import { promiseOf, type MaybePromise } from "../maybePromise.js";
import type { WindowUse } from "./windowCounter.js";

export function addToAll(rules: readonly CountedRule[], points: number): MaybePromise<void> {
  let pending: Promise<WindowUse>[] | undefined;
  for (let i = 0; i < rules.length; i++) {
    const { rule, counter } = rules[i]!;
    if (pending !== undefined) {
      pending.push(promiseOf(() => counter.add(rule.subject, points)));
      continue;
    }
    const use = counter.add(rule.subject, points);
    if (use instanceof Promise) pending = [use];
  }
  return pending === undefined ? undefined : Promise.all(pending).then(nothing);
}

const nothing = (): void => undefined;
