/**
 * openStore on a SQLite file writes the usage ledger on a thread of its own: the event loop keeps running while
 * an append waits for the write lock, a resolved append is readable at once, close writes what is pending and
 * frees the file, a process ends by itself once its last batch is committed, and an in-memory store still writes
 * on its one connection.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { promisify } from "node:util";
import BetterSqlite3 from "better-sqlite3";
import { openStore } from "../../src/store/openStore.js";
import { usageRecord } from "../metering/usageRecord.js";

const run = promisify(execFile);

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "sy-ledger-store-"));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("an append waiting for the write lock leaves the event loop running, and is readable once it resolves", () =>
  withDir(async (dir) => {
    const filename = join(dir, "store.db");
    const store = await openStore(`sqlite:${filename}`);
    const holder = new BetterSqlite3(filename);
    try {
      const userId = `u-${randomUUID()}`;
      const records = Array.from({ length: 30 }, (_, i) => usageRecord(userId, { createdAt: 1000 + i }));
      holder.exec("begin immediate");
      let done = false;
      const appended = store.usage.append(records).then(() => (done = true));
      // A busy wait on this thread would hold the timer until the lock was free.
      const started = performance.now();
      await delay(150);
      assert.ok(performance.now() - started < 1000, "the timer fired while the append waited");
      assert.equal(done, false, "the append waits for the lock");
      holder.exec("commit");
      await appended;
      const page = await store.usage.list({ userId }, { limit: 100 });
      assert.deepEqual(page.items, [...records].reverse());
    } finally {
      holder.close();
      await store.close();
    }
  }));

test("close writes the pending appends first, then frees the file", () =>
  withDir(async (dir) => {
    const filename = join(dir, "store.db");
    const url = `sqlite:${filename}`;
    const store = await openStore(url);
    const userId = `u-${randomUUID()}`;
    const pending = [store.usage.append([usageRecord(userId)]), store.usage.append(Array.from({ length: 99 }, () => usageRecord(userId)))];
    await store.close();
    await Promise.all(pending);
    await assert.rejects(store.usage.append([usageRecord(userId)]), /closed/);

    // What restore checks before replacing the file: leaving WAL mode fails while any connection holds it.
    const probe = new BetterSqlite3(filename);
    try {
      probe.pragma("busy_timeout = 0");
      assert.equal(probe.pragma("journal_mode = DELETE", { simple: true }), "delete");
    } finally {
      probe.close();
    }
    const reopened = await openStore(url);
    try {
      assert.equal((await reopened.usage.totals({ userId })).requests, 100);
    } finally {
      await reopened.close();
    }
  }));

test("a process with a batch in flight ends once it is committed, the idle thread not holding it", { timeout: 30_000 }, () =>
  withDir(async (dir) => {
    const filename = join(dir, "store.db");
    const userId = `u-${randomUUID()}`;
    // Nothing but the append is left to run: the store is never closed and no server holds the loop.
    const script = `
      const { openStore } = await import(${JSON.stringify(new URL("../../src/store/openStore.js", import.meta.url).href)});
      const { usageRecord } = await import(${JSON.stringify(new URL("../metering/usageRecord.js", import.meta.url).href)});
      const store = await openStore(${JSON.stringify(`sqlite:${filename}`)});
      const batch = () => Array.from({ length: 25 }, () => usageRecord(${JSON.stringify(userId)}));
      await store.usage.append(batch());
      // The thread is idle now; this batch finds it so.
      void store.usage.append(batch()).then(() => process.stdout.write("appended"));
    `;
    // A file, not --eval: the ledger thread inherits the process's flags, and --input-type is refused there.
    const scriptFile = join(dir, "append.mjs");
    await writeFile(scriptFile, script);
    const { stdout } = await run(process.execPath, [scriptFile], { timeout: 20_000 });
    assert.equal(stdout, "appended");
    const store = await openStore(`sqlite:${filename}`);
    try {
      assert.equal((await store.usage.totals({ userId })).requests, 50);
    } finally {
      await store.close();
    }
  }));

test("an in-memory store writes the ledger on its one connection (a thread could not see that database)", async () => {
  const store = await openStore("sqlite::memory:");
  try {
    const userId = `u-${randomUUID()}`;
    const record = usageRecord(userId);
    await store.usage.append([record]);
    assert.deepEqual((await store.usage.list({ userId }, { limit: 10 })).items, [record]);
  } finally {
    await store.close();
  }
});
