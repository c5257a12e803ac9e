/**
 * Two replicas on one PostgreSQL database (two stores, two pools) running retention and roll-ups at the same
 * time: every expired row is deleted once and archived once, and concurrent roll-ups of the same days agree.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type Store } from "../../src/store/openStore.js";
import { purgeExpired, type PurgeResult } from "../../src/retention/purgeExpired.js";
import { rollUpUsage } from "../../src/retention/rollUpUsage.js";
import { DAY_MS } from "../../src/store/utcDay.js";
import { createTestPostgresDatabase, type TestPostgresDatabase } from "../support/pgDatabase.js";
import { usageRecord } from "../metering/usageRecord.js";
import { archivedRows } from "./archiveLines.js";

const JAN_1 = Date.UTC(2025, 0, 1);
const NOW = Date.UTC(2025, 3, 1);
let database: TestPostgresDatabase;
let replicas: Store[];
let dir: string;
let at = JAN_1;

before(async () => {
  database = await createTestPostgresDatabase();
  replicas = [await openStore(database.url, { now: () => at }), await openStore(database.url, { now: () => at })];
  dir = await mkdtemp(join(tmpdir(), "sy-replicas-"));
});
after(async () => {
  for (const store of replicas ?? []) await store.close();
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

const [first, second] = [() => replicas[0] as Store, () => replicas[1] as Store];

test("concurrent roll-ups of the same days on two replicas succeed and agree with the ledger", async () => {
  await first().usage.append(Array.from({ length: 300 }, (_, i) => usageRecord(`u${i % 7}`, { createdAt: JAN_1 + (i % 10) * DAY_MS + i, keyId: `k${i % 4}` })));
  const window = { from: JAN_1, to: JAN_1 + 10 * DAY_MS, batchSize: 13 };
  const results = await Promise.all([rollUpUsage(first(), window), rollUpUsage(second(), window), rollUpUsage(first(), window)]);
  for (const result of results) assert.deepEqual(result.rolledUp.map((day) => day.requests), Array.from({ length: 10 }, () => 30));
  const totals = await second().rollups.dailyTotals({ from: "2025-01-01", to: "2025-01-11" });
  assert.equal(totals.requests, 300);
  const byUser = await second().rollups.daily({ from: "2025-01-01", to: "2025-01-11", groupBy: "user" }, { limit: 100 });
  assert.equal(byUser.items.reduce((sum, item) => sum + item.requests, 0), 300, "no day was written twice");
});

test("concurrent archive runs on two replicas delete and archive every expired row exactly once", async () => {
  at = JAN_1;
  const sessions: string[] = [];
  for (let i = 0; i < 30; i++) {
    const session = await first().sessions.create({ userId: `user-${i}` });
    await first().messages.append(session.id, Array.from({ length: 4 }, (_, n) => ({ role: n % 2 === 0 ? ("user" as const) : ("assistant" as const), content: `m${n}`, status: "complete" as const })));
    sessions.push(session.id);
  }
  const retention = { sessionsDays: 30, ledgerDays: 30, mode: "archive" as const, archiveDir: dir, batchSize: 5 };
  const runs: PurgeResult[] = [];
  // Several rounds, each with both replicas started together: whichever gets the lock works, the other stands by.
  for (let round = 0; round < 3; round++) {
    runs.push(...(await Promise.all([purgeExpired(first(), retention, { now: NOW }), purgeExpired(second(), retention, { now: NOW })])));
  }
  const total = (key: "sessions" | "messages" | "usageLedger") => runs.reduce((sum, run) => sum + run.deleted[key], 0);
  assert.deepEqual([total("sessions"), total("messages"), total("usageLedger")], [30, 120, 300]);
  assert.ok(runs.some((run) => run.ran));

  for (const [table, expected] of [["sessions", 30], ["messages", 120], ["usage_ledger", 300]] as const) {
    const ids = (await archivedRows(dir, table)).map((row) => String(row.id));
    assert.equal(ids.length, expected, `${table}: archived once each`);
    assert.equal(new Set(ids).size, expected, `${table}: no row archived twice`);
  }
  assert.deepEqual(new Set((await archivedRows(dir, "sessions")).map((row) => row.id)), new Set(sessions));
  assert.equal((await first().rollups.dailyTotals({ from: "2025-01-01", to: "2025-01-11" })).requests, 300, "totals survive the ledger");
});

test("a replica's run while the other holds the lock does nothing", async () => {
  const held = await first().retention.exclusive("retention", () =>
    purgeExpired(second(), { sessionsDays: 1, ledgerDays: 0, mode: "purge", batchSize: 10 }, { now: NOW }),
  );
  assert.ok(held.acquired);
  assert.equal(held.value.ran, false);
});
