/** The usage ledger store on both dialects: append, filters, totals, pages, and a window's spend. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { eachDialect } from "../store/eachDialect.js";
import { usageRecord } from "./usageRecord.js";

// Sums of float costs differ in the last bits between databases; cents are what is checked here.
const round = (usd: number) => Math.round(usd * 1e9) / 1e9;

eachDialect("usage ledger", (context) => {
  test("round-trips a record exactly, fractional cost included", async () => {
    const userId = `u-${randomUUID()}`;
    const record = usageRecord(userId, { keyId: "k-1", cachedInputTokens: 4, reasoningTokens: 2, costUsd: 0.000123456789, estimated: true, ttftMs: null, errorCode: "upstream_error", status: "failed" });
    await context.store.usage.append([record]);
    const page = await context.store.usage.list({ userId }, { limit: 10 });
    assert.deepEqual(page.items, [record]);
  });

  test("a batch appended again (its first try committed unseen) lands once, with the records that are new", async () => {
    const userId = `u-${randomUUID()}`;
    const first = [usageRecord(userId, { costUsd: 1 }), usageRecord(userId, { costUsd: 2 })];
    await context.store.usage.append(first);
    await context.store.usage.append([...first, usageRecord(userId, { costUsd: 4 })]);
    const totals = await context.store.usage.totals({ userId });
    assert.deepEqual({ requests: totals.requests, costUsd: round(totals.costUsd) }, { requests: 3, costUsd: 7 });
  });

  test("filters, totals over the whole filter, and pages newest first", async () => {
    const userId = `u-${randomUUID()}`;
    const base = Date.UTC(2025, 0, 10);
    const records = Array.from({ length: 7 }, (_, i) =>
      usageRecord(userId, { createdAt: base + i * 1000, engine: i % 2 === 0 ? "a" : "b", inputTokens: i, outputTokens: 2 * i, costUsd: i / 100 }),
    );
    await context.store.usage.append(records);
    const all = await context.store.usage.totals({ userId });
    assert.deepEqual({ ...all, costUsd: round(all.costUsd) }, { requests: 7, inputTokens: 21, outputTokens: 42, costUsd: 0.21 });
    const onB = await context.store.usage.totals({ userId, engine: "b" });
    assert.deepEqual({ ...onB, costUsd: round(onB.costUsd) }, { requests: 3, inputTokens: 9, outputTokens: 18, costUsd: 0.09 });
    assert.equal((await context.store.usage.totals({ userId, from: base + 2000, to: base + 5000 })).requests, 3);
    assert.deepEqual(await context.store.usage.totals({ userId: `nobody-${randomUUID()}` }), { requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 });

    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await context.store.usage.list({ userId }, { limit: 3, cursor });
      seen.push(...page.items.map((item) => item.inputTokens));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    assert.deepEqual(seen, [6, 5, 4, 3, 2, 1, 0]);
  });

  test("a window's spend: by key or by user, since the window start", async () => {
    const userId = `u-${randomUUID()}`;
    const keyId = `k-${randomUUID()}`;
    await context.store.usage.append([
      usageRecord(userId, { keyId, createdAt: 1000, costUsd: 1 }),
      usageRecord(userId, { keyId, createdAt: 5000, costUsd: 0.25 }),
      usageRecord(userId, { createdAt: 6000, costUsd: 0.5 }),
    ]);
    assert.equal(await context.store.usage.spentSince({ kind: "key", id: keyId }, 2000), 0.25);
    assert.equal(await context.store.usage.spentSince({ kind: "user", id: userId }, 2000), 0.75);
    assert.equal(await context.store.usage.spentSince({ kind: "user", id: userId }, 0), 1.75);
    assert.equal(await context.store.usage.spentSince({ kind: "user", id: "nobody" }, 0), 0);
  });
});
