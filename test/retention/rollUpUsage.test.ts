/**
 * Usage roll-ups on both dialects: the daily table sums to exactly what the ledger holds, per day and per group,
 * whatever the batch size; a re-run changes nothing; a row written late for a past day is counted by the next run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { UsageRecord } from "../../src/store/usageLedger.js";
import type { DailyUsageItem, DailyUsageQuery, UsageGroupBy } from "../../src/store/usageRollups.js";
import type { Store } from "../../src/store/openStore.js";
import { rollUpRecentUsage, rollUpUsage } from "../../src/retention/rollUpUsage.js";
import { DAY_MS } from "../../src/store/utcDay.js";
import { eachDialect } from "../store/eachDialect.js";
import { usageRecord } from "../metering/usageRecord.js";
import { retentionFixture } from "./retentionFixture.js";

const JAN_10 = Date.UTC(2025, 0, 10);
const users = ["ann", "ben", "cy"];
const keys = ["key-a", "key-b", null];
const engines: Array<[string | null, string | null]> = [["vllm", "m"], ["vllm", "n"], ["openai", "m"], [null, null]];

/** `perDay` rows on each of `days` days from JAN_10, spread over users, keys and engines, with uneven numbers. */
function ledger(days: number, perDay: number): UsageRecord[] {
  const records: UsageRecord[] = [];
  for (let d = 0; d < days; d++) {
    for (let i = 0; i < perDay; i++) {
      const [engine, model] = engines[(i + d) % engines.length] ?? [null, null];
      records.push(
        usageRecord(users[i % users.length] ?? "ann", {
          createdAt: JAN_10 + d * DAY_MS + ((i * 7_919_000) % DAY_MS),
          keyId: keys[(i * 5 + d) % keys.length] ?? null,
          engine,
          model,
          inputTokens: 3 + ((i * 13) % 50),
          outputTokens: (i * 7) % 40,
          costUsd: ((i % 9) + 1) * 0.000123,
        }),
      );
    }
  }
  return records;
}

async function everything(store: Store, query: Omit<DailyUsageQuery, "groupBy">, groupBy?: UsageGroupBy): Promise<DailyUsageItem[]> {
  const items: DailyUsageItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.rollups.daily({ ...query, groupBy }, { limit: 4, cursor });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return items;
}

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≈ ${expected}`);

eachDialect("usage roll-ups", (context) => {
  test("the roll-ups add up to the ledger, per day and per user, key, engine and model, in batches smaller than a day", async () => {
    const f = await retentionFixture(context);
    try {
      const records = ledger(3, 40);
      await f.store.usage.append(records);
      const result = await rollUpUsage(f.store, { from: JAN_10, to: JAN_10 + 3 * DAY_MS, batchSize: 7, now: JAN_10 + 5 * DAY_MS });
      assert.deepEqual(result.rolledUp.map((day) => [day.day, day.requests]), [["2025-01-10", 40], ["2025-01-11", 40], ["2025-01-12", 40]]);
      assert.deepEqual(result.sealed, []);

      const range = { from: "2025-01-10", to: "2025-01-13" };
      const totals = await f.store.rollups.dailyTotals(range);
      const ledgerTotals = await f.store.usage.totals({ from: JAN_10, to: JAN_10 + 3 * DAY_MS });
      assert.deepEqual([totals.requests, totals.inputTokens, totals.outputTokens], [ledgerTotals.requests, ledgerTotals.inputTokens, ledgerTotals.outputTokens]);
      close(totals.costUsd, ledgerTotals.costUsd);

      const filters = { user: "userId", key: "keyId", engine: "engine", model: "model" } as const;
      for (const groupBy of ["user", "key", "engine", "model"] as const) {
        const items = await everything(f.store, range, groupBy);
        const expected = new Map<string, UsageRecord[]>();
        for (const record of records) {
          const value = record[filters[groupBy]];
          const name = `${new Date(record.createdAt).toISOString().slice(0, 10)}|${value ?? ""}`;
          expected.set(name, [...(expected.get(name) ?? []), record]);
        }
        assert.equal(items.length, expected.size, `${groupBy}: one item per day and value`);
        for (const item of items) {
          const group = expected.get(`${item.day}|${item.group ?? ""}`) ?? [];
          assert.equal(item.requests, group.length, `${groupBy} ${item.day} ${item.group}`);
          assert.equal(item.inputTokens, group.reduce((sum, r) => sum + r.inputTokens, 0));
          assert.equal(item.outputTokens, group.reduce((sum, r) => sum + r.outputTokens, 0));
          close(item.costUsd, group.reduce((sum, r) => sum + r.costUsd, 0));
        }
        const order = items.map((item) => `${item.day}|${item.group ?? ""}`);
        assert.deepEqual(order, [...order].sort(), `${groupBy}: day, then value`);
      }
      assert.ok((await everything(f.store, range, "key")).some((item) => item.group === null), "requests without a key are a group of their own");
      assert.deepEqual((await everything(f.store, range)).map((item) => [item.day, item.requests]), [["2025-01-10", 40], ["2025-01-11", 40], ["2025-01-12", 40]]);
    } finally {
      await f.close();
    }
  });

  test("a re-run writes the same rows; a late ledger row for a past day is counted by the next run", async () => {
    const f = await retentionFixture(context);
    try {
      await f.store.usage.append(ledger(2, 25));
      const range = { from: "2025-01-10", to: "2025-01-12" };
      const snapshot = async () => Promise.all([everything(f.store, range), ...(["user", "key", "engine", "model"] as const).map((g) => everything(f.store, range, g))]);
      const window = { from: JAN_10, to: JAN_10 + 2 * DAY_MS, batchSize: 4 };
      await rollUpUsage(f.store, window);
      const first = await snapshot();
      const again = await rollUpUsage(f.store, window);
      assert.deepEqual(await snapshot(), first);
      assert.deepEqual(again.rolledUp.map((day) => day.requests), [25, 25]);

      await f.store.usage.append([usageRecord("late-user", { createdAt: JAN_10 + 3_600_000, inputTokens: 1000, outputTokens: 1, costUsd: 0.5 })]);
      assert.deepEqual(await snapshot(), first, "nothing changes before the next run");
      await rollUpUsage(f.store, window);
      const [days, byUser] = await snapshot();
      assert.deepEqual(days?.map((item) => item.requests), [26, 25]);
      const late = byUser?.find((item) => item.group === "late-user");
      assert.deepEqual(late && [late.day, late.requests, late.inputTokens, late.outputTokens], ["2025-01-10", 1, 1000, 1]);
    } finally {
      await f.close();
    }
  });

  test("the scheduled run: today and the lookback days, plus older days never rolled up, not older days already done", async () => {
    const f = await retentionFixture(context);
    try {
      const now = JAN_10 + 20 * DAY_MS + 5 * 3_600_000; // 2025-01-30T05:00Z
      const at = (day: number) => usageRecord("ann", { createdAt: JAN_10 + day * DAY_MS + 1000 });
      await f.store.usage.append([at(0), at(1), at(5), at(19), at(20)]);
      await rollUpUsage(f.store, { from: JAN_10 + DAY_MS, to: JAN_10 + 2 * DAY_MS });
      const result = await rollUpRecentUsage(f.store, { rollupLookbackDays: 2, rollupBatchSize: 100 }, { now });
      assert.deepEqual(result.rolledUp.map((day) => day.day), ["2025-01-10", "2025-01-15", "2025-01-28", "2025-01-29", "2025-01-30"]);
      assert.deepEqual(result.rolledUp.map((day) => day.requests), [1, 1, 0, 1, 1]);
      const again = await rollUpRecentUsage(f.store, { rollupLookbackDays: 2, rollupBatchSize: 100 }, { now });
      assert.deepEqual(again.rolledUp.map((day) => day.day), ["2025-01-28", "2025-01-29", "2025-01-30"]);
    } finally {
      await f.close();
    }
  });

  test("a long run leaves the event loop free: timers fire while it works", async () => {
    const f = await retentionFixture(context);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await f.store.usage.append(ledger(1, 30));
      const result = await rollUpUsage(f.store, { from: JAN_10 - 120 * DAY_MS, to: JAN_10 + DAY_MS, batchSize: 5 });
      assert.equal(result.rolledUp.length, 121);
      assert.ok(ticks > 0, "the timer never fired during the run");
    } finally {
      clearInterval(timer);
      await f.close();
    }
  });

  test("an aborted signal stops the run before it writes", async () => {
    const f = await retentionFixture(context);
    try {
      await f.store.usage.append(ledger(1, 5));
      await assert.rejects(rollUpUsage(f.store, { from: JAN_10, to: JAN_10 + DAY_MS, signal: AbortSignal.abort() }), { name: "AbortError" });
      assert.equal((await f.store.rollups.dailyTotals({ from: "2025-01-10", to: "2025-01-11" })).requests, 0);
    } finally {
      await f.close();
    }
  });
});
