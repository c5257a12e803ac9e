/**
 * Budgets over the in-memory counters: reservation races, per-key and per-user budgets, windows, release on
 * failure and threshold alerts. The ledger is a function here; the HTTP tests run the real one.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Principal } from "../../src/auth/principal.js";
import { createMemoryBudgetCounters } from "../../src/metering/budgetCounters.js";
import { createBudgets, type BudgetsSettings } from "../../src/metering/createBudgets.js";
import { windowEnd, windowStart } from "../../src/metering/budgetWindow.js";
import { GatewayError } from "../../src/errors.js";

const now = Date.UTC(2025, 2, 15, 13, 30);
const alice: Principal = { kind: "key", userId: "alice", role: "user", keyId: "k1", budget: { usd: 1, window: "day" } };

function budgets(overrides: Partial<BudgetsSettings> = {}) {
  const loads: Array<{ kind: string; id: string; since: number }> = [];
  const settings: BudgetsSettings = {
    counters: createMemoryBudgetCounters(),
    alertAt: [0.8, 1],
    spentSince: async (subject, since) => {
      loads.push({ ...subject, since });
      await new Promise((resolve) => setImmediate(resolve));
      return 0;
    },
    ...overrides,
  };
  return { budgets: createBudgets(settings), loads };
}

const exceeded = (error: unknown) => error instanceof GatewayError && error.code === "budget_exceeded" && error.status === 402;

test("windows are UTC calendar days and months; total never resets", () => {
  assert.equal(windowStart("day", now), Date.UTC(2025, 2, 15));
  assert.equal(windowEnd("day", Date.UTC(2025, 2, 15)), Date.UTC(2025, 2, 16));
  assert.equal(windowStart("month", now), Date.UTC(2025, 2, 1));
  assert.equal(windowEnd("month", Date.UTC(2025, 11, 1)), Date.UTC(2026, 0, 1));
  assert.equal(windowStart("total", now), 0);
  assert.equal(windowEnd("total", 0), undefined);
});

test("200 concurrent reservations against a budget for 10: exactly 10 pass, and the ledger is read once", async () => {
  const { budgets: b, loads } = budgets();
  const results = await Promise.allSettled(Array.from({ length: 200 }, () => b.reserve(alice, 0.1, now)));
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 10);
  assert.ok(results.filter((r) => r.status === "rejected").every((r) => exceeded(r.reason)));
  assert.deepEqual(loads, [{ kind: "key", id: "k1", since: Date.UTC(2025, 2, 15) }]);
});

test("settling replaces the reservation by the real cost; a failure releases it all", async () => {
  const { budgets: b } = budgets();
  const first = await b.reserve(alice, 0.6, now);
  await assert.rejects(b.reserve(alice, 0.6, now), exceeded);
  await first.settle(0.25);
  const second = await b.reserve(alice, 0.6, now);
  await second.settle(0);
  await (await b.reserve(alice, 0.75, now)).settle(0.75);
  // 0.25 + 0.75 spent: a free request still passes, a paid one does not.
  await (await b.reserve(alice, 0, now)).settle(0);
  await assert.rejects(b.reserve(alice, 0.01, now), (error: GatewayError) => exceeded(error) && error.retryAfterSeconds === 10 * 3600 + 30 * 60);
});

test("a failed ledger read refuses nothing for good: the next request reads again", async () => {
  let fail = true;
  const { budgets: b } = budgets({
    spentSince: async () => {
      if (fail) throw new Error("store down");
      return 0.5;
    },
  });
  await assert.rejects(b.reserve(alice, 0.1, now), /store down/);
  fail = false;
  await b.reserve(alice, 0.5, now);
  await assert.rejects(b.reserve(alice, 0.1, now), exceeded);
});

test("key and user budgets both apply; the user's counts every key of the user", async () => {
  const { budgets: b, loads } = budgets({ perUser: { usd: 1, window: "month" } });
  const otherKey: Principal = { ...alice, keyId: "k2", budget: { usd: 5, window: "total" } };
  await (await b.reserve(alice, 0.5, now)).settle(0.5);
  await (await b.reserve(otherKey, 0.5, now)).settle(0.5);
  await assert.rejects(b.reserve(otherKey, 0.1, now), (error: GatewayError) => exceeded(error) && /your budget of \$1 per month/.test(error.message));
  assert.deepEqual(
    loads.map((l) => `${l.kind}:${l.id}@${l.since}`),
    [`key:k1@${Date.UTC(2025, 2, 15)}`, `user:alice@${Date.UTC(2025, 2, 1)}`, "key:k2@0"],
  );
  // A principal with neither budget reserves nothing at all.
  const free = createBudgets({ counters: createMemoryBudgetCounters(), alertAt: [1], spentSince: async () => 99 });
  assert.equal((await free.reserve({ kind: "local", userId: "local", role: "admin" }, 5, now)).reservedUsd, 0);
});

test("a new window starts from what the ledger says about it", async () => {
  const { budgets: b, loads } = budgets();
  await (await b.reserve(alice, 1, now)).settle(1);
  await assert.rejects(b.reserve(alice, 0.5, now), exceeded);
  const tomorrow = now + 24 * 3600 * 1000;
  await (await b.reserve(alice, 1, tomorrow)).settle(0.2);
  assert.equal(loads.length, 2);
  assert.equal(loads[1]?.since, Date.UTC(2025, 2, 16));
});

test("alerts fire once per threshold per window, as spend crosses 80% and 100%", async () => {
  const { budgets: b } = budgets({ perUser: { usd: 1, window: "day" } });
  const user: Principal = { kind: "jwt", userId: "bob", role: "user" };
  const crossed: number[][] = [];
  for (let i = 0; i < 5; i++) crossed.push((await (await b.reserve(user, 0.2, now)).settle(0.2)).map((a) => a.threshold));
  assert.deepEqual(crossed, [[], [], [], [0.8], [1]]);
  const [alert] = await (async () => {
    const { budgets: again } = budgets({ perUser: { usd: 1, window: "day" } });
    return (await again.reserve(user, 1, now)).settle(1);
  })();
  assert.deepEqual(alert, {
    subject: "user",
    userId: "bob",
    window: "day",
    windowStart: "2025-03-15T00:00:00.000Z",
    budgetUsd: 1,
    spentUsd: 1,
    threshold: 0.8,
  });
});

test("settling twice counts once", async () => {
  const { budgets: b } = budgets();
  const hold = await b.reserve(alice, 0.5, now);
  await hold.settle(0.5);
  await hold.settle(0.5);
  await (await b.reserve(alice, 0.5, now)).settle(0.5);
});
