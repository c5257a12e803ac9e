import { test } from "node:test";
import assert from "node:assert/strict";
import { assignVariant, pickByWeight } from "../../src/experiments/assignVariant.js";
import type { Experiment, Variant } from "../../src/store/experiments.js";

const experiment = (weights: number[], overrides: Partial<Experiment> = {}): Experiment => ({
  id: "0b7e6a4e-5d3c-4f1a-9e2b-8c7d6e5f4a3b",
  name: "e",
  status: "running",
  appliesTo: "auto",
  assignBy: "user",
  variants: weights.map((weight, i) => ({ name: `v${i}`, weight })),
  createdAt: 0,
  updatedAt: 0,
  ...overrides,
});

const users = (count: number) => Array.from({ length: count }, (_, i) => `user-${i}`);

function shares(subject: Experiment, keys: string[], toSubject = (key: string) => ({ userId: key })): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) {
    const name = assignVariant(subject, toSubject(key)).name;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return new Map([...counts].map(([name, count]) => [name, count / keys.length]));
}

function assertWithinTwoPoints(weights: number[], observed: Map<string, number>): void {
  const total = weights.reduce((a, b) => a + b, 0);
  weights.forEach((weight, i) => {
    const expected = weight / total;
    const actual = observed.get(`v${i}`) ?? 0;
    assert.ok(Math.abs(actual - expected) <= 0.02, `v${i}: ${(actual * 100).toFixed(2)}% vs ${(expected * 100).toFixed(2)}%`);
  });
}

for (const weights of [[50, 30, 20], [90, 10], [1, 1, 1, 1]]) {
  test(`10,000 users fall within ±2 points of weights ${weights.join("/")}`, () => {
    assertWithinTwoPoints(weights, shares(experiment(weights), users(10_000)));
  });
}

test("the split holds for every experiment id, not one lucky one", () => {
  for (const id of ["a", "b", "c", "exp-2024", "3f1c0e8e-0000-4000-8000-000000000000"]) {
    assertWithinTwoPoints([50, 30, 20], shares(experiment([50, 30, 20], { id }), users(10_000)));
  }
});

test("the same user always gets the same variant", () => {
  const subject = experiment([50, 30, 20]);
  for (const userId of users(500)) {
    const first = assignVariant(subject, { userId }).name;
    for (let i = 0; i < 3; i++) assert.equal(assignVariant({ ...subject, variants: [...subject.variants] }, { userId, sessionId: `s${i}` }).name, first);
  }
});

test("weights are relative and zero-weight variants are never chosen", () => {
  const scaled = experiment([5, 3, 2]);
  const percent = experiment([50, 30, 20]);
  for (const userId of users(2_000)) assert.equal(assignVariant(scaled, { userId }).name, assignVariant(percent, { userId }).name);
  const withZero = shares(experiment([0, 1, 0, 1]), users(2_000));
  assert.deepEqual([...withZero.keys()].sort(), ["v1", "v3"]);
});

test("different experiments assign independently", () => {
  const first = experiment([50, 50], { id: "first" });
  const second = experiment([50, 50], { id: "second" });
  const keys = users(10_000);
  const same = keys.filter((userId) => assignVariant(first, { userId }).name === assignVariant(second, { userId }).name).length;
  assert.ok(Math.abs(same / keys.length - 0.5) <= 0.02, `${same} of ${keys.length} users share a variant`);
});

test("assignment by session: stable per session, spread across one user's sessions", () => {
  const subject = experiment([50, 50], { assignBy: "session" });
  const sessions = users(10_000).map((key) => `session-${key}`);
  assertWithinTwoPoints([50, 50], shares(subject, sessions, (sessionId) => ({ userId: "one-user", sessionId })));
  for (const sessionId of sessions.slice(0, 200)) {
    assert.equal(assignVariant(subject, { userId: "u1", sessionId }).name, assignVariant(subject, { userId: "u2", sessionId }).name);
  }
  // Without a session (not created yet) the user stands in for it.
  for (const key of users(200)) assert.equal(assignVariant(subject, { userId: key }).name, assignVariant(subject, { userId: "x", sessionId: key }).name);
});

test("pickByWeight covers the whole unit interval", () => {
  const variants: Variant[] = [
    { name: "zero", weight: 0 },
    { name: "a", weight: 1 },
    { name: "b", weight: 3 },
    { name: "tail", weight: 0 },
  ];
  assert.equal(pickByWeight(variants, 0).name, "a");
  assert.equal(pickByWeight(variants, 0.2499).name, "a");
  assert.equal(pickByWeight(variants, 0.25).name, "b");
  assert.equal(pickByWeight(variants, 1 - 2 ** -48).name, "b");
  assert.equal(pickByWeight(variants, 1).name, "b", "rounding at the top stays on the last weighted variant");
  assert.throws(() => pickByWeight([{ name: "z", weight: 0 }], 0.5), /weight above 0/);
});
