/**
 * The request body store on both dialects: batches land once (a retried batch is skipped), a request's latest
 * bodies are found, and expired rows are counted and taken oldest first in batches, each batch handed to `keep`
 * before it goes (and kept when `keep` throws).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { RequestBodyRecord } from "../../src/store/requestBodies.js";
import { eachDialect } from "./eachDialect.js";

const T0 = Date.UTC(2025, 0, 1);

const body = (overrides: Partial<RequestBodyRecord> = {}): RequestBodyRecord => ({
  id: randomUUID(),
  requestId: randomUUID(),
  createdAt: T0,
  request: JSON.stringify({ model: "auto", messages: [{ role: "user", content: "héllo 👋" }] }),
  answer: "Hi there",
  toolCalls: null,
  truncated: false,
  ...overrides,
});

eachDialect("request body store", (context) => {
  test("append then find: the record as written, unicode and all; an unknown request is undefined", async () => {
    const calls = JSON.stringify([{ id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } }]);
    const record = body({ toolCalls: calls, truncated: true });
    await context.store.requestBodies.append([record, body()]);
    assert.deepEqual(await context.store.requestBodies.find(record.requestId), record);
    assert.equal(await context.store.requestBodies.find(randomUUID()), undefined);
    await context.store.requestBodies.append([]);
  });

  test("a batch written twice lands once, and a request logged again is found by its latest row", async () => {
    const first = body({ createdAt: T0 + 1000, answer: "first try" });
    const retry = body({ requestId: first.requestId, createdAt: T0 + 2000, answer: "second try" });
    await context.store.requestBodies.append([first]);
    await context.store.requestBodies.append([first, retry]);
    assert.equal((await context.store.requestBodies.find(first.requestId))?.answer, "second try");
    // More rows than one insert statement holds, in one call.
    const many = Array.from({ length: 230 }, () => body());
    await context.store.requestBodies.append(many);
    assert.equal((await context.store.requestBodies.find(many[229]?.requestId ?? ""))?.id, many[229]?.id);
  });

  test("expired rows are counted, then taken oldest first in batches; newer ones stay; a failing keep keeps its batch", async () => {
    // Far in the past, so only this test's rows are older than the cut.
    const old = Array.from({ length: 5 }, (_, i) => body({ createdAt: 1000 + i }));
    const recent = body({ createdAt: 5000 });
    await context.store.requestBodies.append([...old, recent]);
    const before = 2000;
    assert.equal(await context.store.requestBodies.countExpired(before), 5);

    await assert.rejects(
      context.store.requestBodies.takeExpired(before, 2, () => Promise.reject(new Error("archive full"))),
      /archive full/,
    );
    assert.equal(await context.store.requestBodies.countExpired(before), 5, "nothing of a batch goes when keep throws");

    const kept: string[][] = [];
    const taken: number[] = [];
    for (let n = -1; n !== 0; ) {
      n = await context.store.requestBodies.takeExpired(before, 2, async (rows) => void kept.push(rows.map((row) => row.id)));
      taken.push(n);
    }
    assert.deepEqual(taken, [2, 2, 1, 0]);
    assert.deepEqual(kept.flat(), old.map((row) => row.id), "oldest first, each row handed over once");
    assert.equal(await context.store.requestBodies.countExpired(before), 0);
    for (const row of old) assert.equal(await context.store.requestBodies.find(row.requestId), undefined);
    assert.equal((await context.store.requestBodies.find(recent.requestId))?.id, recent.id);
  });
});
