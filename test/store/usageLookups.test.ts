/** The ledger's lookups by trace, request and route, and the per-user spend of a window, on both dialects. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { eachDialect } from "./eachDialect.js";
import { usageRecord } from "../metering/usageRecord.js";

eachDialect("usage lookups", (context) => {
  test("filters by trace id, request id and route, alone and with the others", async () => {
    const userId = `u-${randomUUID()}`;
    const traceId = randomUUID().replaceAll("-", "");
    const [a, b, c] = [
      usageRecord(userId, { traceId, route: "chat", createdAt: 1000 }),
      usageRecord(userId, { traceId, route: "auto", createdAt: 2000 }),
      usageRecord(userId, { route: "chat", createdAt: 3000 }),
    ];
    if (a === undefined || b === undefined || c === undefined) throw new Error("three records");
    await context.store.usage.append([a, b, c]);
    const ids = async (filter: Parameters<typeof context.store.usage.list>[0]) => (await context.store.usage.list(filter, { limit: 10 })).items.map((item) => item.id);
    assert.deepEqual(await ids({ traceId }), [b.id, a.id]);
    assert.deepEqual(await ids({ requestId: c.requestId }), [c.id]);
    assert.deepEqual(await ids({ userId, route: "chat" }), [c.id, a.id]);
    assert.deepEqual(await ids({ traceId, route: "auto" }), [b.id]);
    assert.deepEqual(await ids({ traceId, userId: "someone else" }), []);
    assert.equal((await context.store.usage.totals({ traceId })).requests, 2);
  });

  test("spentSinceByUser: each user with rows since the start, and what they spent", async () => {
    const [x, y, z] = [`x-${randomUUID()}`, `y-${randomUUID()}`, `z-${randomUUID()}`];
    const since = Date.UTC(2030, 0, 1);
    await context.store.usage.append([
      usageRecord(x, { createdAt: since, costUsd: 0.25 }),
      usageRecord(x, { createdAt: since + 10, costUsd: 0.5 }),
      usageRecord(y, { createdAt: since + 20, costUsd: 0 }),
      usageRecord(z, { createdAt: since - 1, costUsd: 9 }),
    ]);
    const spent = await context.store.usage.spentSinceByUser(since);
    assert.equal(spent.get(x), 0.75);
    assert.equal(spent.get(y), 0, "a user with requests but no cost is listed");
    assert.equal(spent.has(z), false, "spend before the window is not");
  });
});
