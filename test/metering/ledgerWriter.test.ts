/**
 * The batched ledger writer over a real store, on both dialects: flush on size, on the interval and on close,
 * one transaction per batch, and a store that fails (retried, bounded, never thrown).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createLedgerWriter } from "../../src/metering/createLedgerWriter.js";
import { createLogger } from "../../src/logger.js";
import { eachDialect } from "../store/eachDialect.js";
import { eventually } from "../support/eventually.js";
import { usageRecord } from "./usageRecord.js";

const logger = createLogger("silent");

eachDialect("ledger writer", (context) => {
  const count = async (userId: string) => (await context.store.usage.totals({ userId })).requests;

  test("flushes when the batch size is reached, in one append per batch", async () => {
    const userId = `u-${randomUUID()}`;
    const batches: number[] = [];
    const writer = createLedgerWriter({
      append: async (records) => {
        batches.push(records.length);
        await context.store.usage.append(records);
      },
      logger,
      flushIntervalMs: 60_000,
      flushSize: 5,
    });
    for (let i = 0; i < 4; i++) writer.write(usageRecord(userId));
    assert.equal(writer.buffered, 4);
    writer.write(usageRecord(userId));
    await eventually(async () => (await count(userId)) === 5, 5000, "a size-triggered flush");
    assert.deepEqual(batches, [5]);
    await writer.close();
  });

  test("a flush larger than maxBatch is several transactions, and other work runs between them", async () => {
    const userId = `u-${randomUUID()}`;
    const log: string[] = [];
    const writer = createLedgerWriter({
      append: async (records) => {
        log.push(`append ${records.length}`);
        // What a request would do while the ledger writes: it gets its turn before the next transaction.
        setImmediate(() => log.push("other work"));
        await context.store.usage.append(records);
      },
      logger,
      flushIntervalMs: 60_000,
      flushSize: 1000,
      maxBatch: 4,
    });
    for (let i = 0; i < 10; i++) writer.write(usageRecord(userId));
    await writer.flush();
    assert.deepEqual(log.slice(0, 5), ["append 4", "other work", "append 4", "other work", "append 2"]);
    assert.equal(await count(userId), 10);
    await writer.close();
  });

  test("flushes on the interval, and what is left on close", async () => {
    const userId = `u-${randomUUID()}`;
    const writer = createLedgerWriter({ append: (records) => context.store.usage.append(records), logger, flushIntervalMs: 20, flushSize: 1000 });
    writer.write(usageRecord(userId));
    await eventually(async () => (await count(userId)) === 1, 5000, "an interval flush");

    const slow = createLedgerWriter({ append: (records) => context.store.usage.append(records), logger, flushIntervalMs: 60_000, flushSize: 1000 });
    for (let i = 0; i < 3; i++) slow.write(usageRecord(userId));
    await slow.close();
    assert.equal(await count(userId), 4);
    // Written after close: dropped and counted, not thrown.
    slow.write(usageRecord(userId));
    assert.equal(slow.dropped, 1);
    await writer.close();
  });

  test("a failing store keeps the rows for the next try and never throws", async () => {
    const userId = `u-${randomUUID()}`;
    let down = true;
    const writer = createLedgerWriter({
      append: async (records) => {
        if (down) throw new Error("store down");
        await context.store.usage.append(records);
      },
      logger,
      flushIntervalMs: 60_000,
      flushSize: 1000,
      maxBuffered: 1000,
    });
    for (let i = 0; i < 3; i++) writer.write(usageRecord(userId));
    await writer.flush();
    assert.equal(writer.buffered, 3);
    down = false;
    await writer.flush();
    assert.equal(writer.buffered, 0);
    assert.equal(await count(userId), 3);
    await writer.close();
  });

  test("a dead store cannot grow the buffer without bound: the oldest rows go, counted", async () => {
    const userId = `u-${randomUUID()}`;
    const writer = createLedgerWriter({
      append: async () => {
        throw new Error("store down");
      },
      logger,
      flushIntervalMs: 60_000,
      flushSize: 10,
      maxBuffered: 10,
    });
    const records = Array.from({ length: 25 }, (_, i) => usageRecord(userId, { latencyMs: i }));
    for (const record of records) writer.write(record);
    await writer.flush();
    assert.equal(writer.buffered, 10);
    assert.equal(writer.dropped, 15);
    await writer.close();
    assert.equal(writer.dropped, 25, "close reports what it could not write");
  });
});
