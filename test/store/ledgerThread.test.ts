/**
 * The SQLite usage ledger thread on a real store file: what an append wrote is readable on the main connection
 * once it resolves; concurrent appends land once each, batch after batch in the order asked; a crash fails the
 * batches it held so the ledger writer keeps their rows and writes them (once) on the retry; close lets a
 * pending append finish and leaves the file to nobody.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { createLedgerThread } from "../../src/store/createLedgerThread.js";
import { createLedgerWriter } from "../../src/metering/createLedgerWriter.js";
import { createLogger } from "../../src/logger.js";
import { openStore, type Store } from "../../src/store/openStore.js";
import { usageRecord } from "../metering/usageRecord.js";

const crashingWorker = new URL("./crashingLedgerWorker.js", import.meta.url);
const logger = createLogger("silent");

let dir: string;
let filename: string;
let store: Store;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "sy-ledger-thread-"));
  filename = join(dir, "store.db");
  store = await openStore(`sqlite:${filename}`);
});
after(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const count = async (userId: string) => (await store.usage.totals({ userId })).requests;

/** Ids in the order the rows were inserted (the table's rowid), read on a connection of the test's own. */
function insertionOrder(userId: string): string[] {
  const reader = new BetterSqlite3(filename, { readonly: true });
  try {
    return reader.prepare("select id from usage_ledger where user_id = ? order by rowid").pluck().all(userId) as string[];
  } finally {
    reader.close();
  }
}

test("an append is readable on the main connection as soon as it resolves", async () => {
  const thread = createLedgerThread(filename);
  try {
    const userId = `u-${randomUUID()}`;
    const records = [usageRecord(userId, { costUsd: 0.5, estimated: true, ttftMs: null }), usageRecord(userId, { createdAt: Date.UTC(2025, 0, 11) })];
    await thread.append(records);
    assert.deepEqual((await store.usage.list({ userId }, { limit: 10 })).items, [...records].reverse());
  } finally {
    await thread.close();
  }
});

test("concurrent appends: every row once, the batches committed in the order they were asked", async () => {
  const thread = createLedgerThread(filename);
  try {
    const userId = `u-${randomUUID()}`;
    const batches = Array.from({ length: 40 }, (_, batch) => Array.from({ length: 1 + (batch % 7) }, () => usageRecord(userId)));
    await Promise.all(batches.map((batch) => thread.append(batch)));
    assert.deepEqual(insertionOrder(userId), batches.flat().map((record) => record.id));
    await thread.append([]);
  } finally {
    await thread.close();
  }
});

test("a crash before the commit fails the batch and those behind it; the next append starts a new thread", async () => {
  const thread = createLedgerThread(filename, { workerModule: crashingWorker });
  try {
    const userId = `u-${randomUUID()}`;
    await thread.append([usageRecord(userId)]);
    await writeFile(`${filename}.crash-before`, "");
    const crashed = thread.append([usageRecord(userId)]);
    const behind = thread.append([usageRecord(userId)]);
    await assert.rejects(crashed, /usage ledger thread exited \(code 70\)/);
    await assert.rejects(behind, /usage ledger thread exited \(code 70\)/);
    await thread.append([usageRecord(userId)]);
    assert.equal(await count(userId), 2);
  } finally {
    await thread.close();
  }
});

test("the ledger writer keeps the rows of a crashed batch and writes them on its retry", async () => {
  const thread = createLedgerThread(filename, { workerModule: crashingWorker });
  const writer = createLedgerWriter({ append: (records) => thread.append(records), logger, flushIntervalMs: 60_000 });
  try {
    const userId = `u-${randomUUID()}`;
    await writeFile(`${filename}.crash-before`, "");
    for (let i = 0; i < 3; i++) writer.write(usageRecord(userId));
    await writer.flush();
    assert.equal(writer.buffered, 3, "kept for the next try");
    assert.equal(await count(userId), 0);
    await writer.flush();
    assert.equal(writer.buffered, 0);
    assert.equal(await count(userId), 3);
  } finally {
    await writer.close();
    await thread.close();
  }
});

test("a crash after the commit, before the reply: the retry writes nothing twice", async () => {
  const thread = createLedgerThread(filename, { workerModule: crashingWorker });
  const writer = createLedgerWriter({ append: (records) => thread.append(records), logger, flushIntervalMs: 60_000 });
  try {
    const userId = `u-${randomUUID()}`;
    await writeFile(`${filename}.crash-after`, "");
    const records = Array.from({ length: 3 }, () => usageRecord(userId));
    for (const record of records) writer.write(record);
    await writer.flush();
    assert.equal(writer.buffered, 3, "the writer heard of no commit");
    assert.equal(await count(userId), 3, "yet the batch was committed");
    await writer.flush();
    assert.equal(writer.buffered, 0);
    assert.deepEqual(insertionOrder(userId), records.map((record) => record.id));
  } finally {
    await writer.close();
    await thread.close();
  }
});

test("close lets a pending append finish, then ends the thread and its connection; later appends are refused", async () => {
  const thread = createLedgerThread(filename);
  const userId = `u-${randomUUID()}`;
  const records = Array.from({ length: 250 }, () => usageRecord(userId));
  const first = thread.append(records.slice(0, 200));
  const second = thread.append(records.slice(200));
  await thread.close();
  await Promise.all([first, second]);
  assert.equal(await count(userId), 250);
  await assert.rejects(thread.append([usageRecord(userId)]), /closed/);
  await thread.close();
});
