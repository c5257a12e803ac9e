import { test } from "node:test";
import assert from "node:assert/strict";
import { orderTargets, type RouteTarget } from "../../src/routing/orderTargets.js";
import type { GuardedEngine, GuardedEngineState } from "../../src/routing/createGuardedEngine.js";

/** A stand-in exposing only the state the strategies read. */
function target(name: string, state: Partial<GuardedEngineState> = {}, weight = 1): RouteTarget {
  const full: GuardedEngineState = {
    name,
    type: "openai",
    models: ["m"],
    usable: true,
    breaker: "closed",
    inFlight: 0,
    queued: 0,
    maxConcurrency: 10,
    maxQueue: 10,
    ewmaTtftMs: null,
    lastError: null,
    ...state,
  };
  const engine = { name, engine: { name }, state: () => full } as unknown as GuardedEngine;
  return { engine, model: "m", weight, id: `${name}/m` };
}

const names = (targets: RouteTarget[]) => targets.map((t) => t.engine.name);

/** A deterministic generator so distribution checks cannot flake. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

test("fallback keeps the configured order", () => {
  assert.deepEqual(names(orderTargets("fallback", [target("a"), target("b"), target("c")])), ["a", "b", "c"]);
});

test("weighted picks first in proportion to weight and keeps every target as a fallback", () => {
  const targets = [target("a", {}, 3), target("b", {}, 1), target("z", {}, 0)];
  const random = seeded(42);
  const firsts = new Map<string, number>();
  for (let i = 0; i < 10000; i++) {
    const order = names(orderTargets("weighted", targets, random));
    assert.equal(order.length, 3);
    assert.equal(order[2], "z", "a zero-weight target is only a last resort");
    firsts.set(order[0] as string, (firsts.get(order[0] as string) ?? 0) + 1);
  }
  const shareA = (firsts.get("a") ?? 0) / 10000;
  assert.ok(Math.abs(shareA - 0.75) < 0.02, `a first ${shareA}`);
  assert.equal(firsts.get("z"), undefined);
});

test("least-latency tries unmeasured targets first, then the lowest EWMA of time to first token", () => {
  const order = orderTargets("least-latency", [target("slow", { ewmaTtftMs: 900 }), target("fast", { ewmaTtftMs: 40 }), target("new")]);
  assert.deepEqual(names(order), ["new", "fast", "slow"]);
});

test("least-busy prefers the lowest load relative to capacity", () => {
  const order = orderTargets("least-busy", [
    target("busy", { inFlight: 9, queued: 3, maxConcurrency: 10 }),
    target("big", { inFlight: 10, maxConcurrency: 100 }),
    target("idle"),
  ]);
  assert.deepEqual(names(order), ["idle", "big", "busy"]);
});
