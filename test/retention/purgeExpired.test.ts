/**
 * Retention on both dialects: only expired sessions (with their messages and feedback) and ledger rows of
 * rolled-up, unchanged days go; batches smaller than the data; archive files hold exactly the deleted rows; a
 * dry run changes nothing; a run that cannot archive deletes nothing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RetentionConfig } from "../../src/config/retentionSchema.js";
import { purgeExpired } from "../../src/retention/purgeExpired.js";
import { rollUpUsage } from "../../src/retention/rollUpUsage.js";
import { DAY_MS } from "../../src/store/utcDay.js";
import { eachDialect } from "../store/eachDialect.js";
import { usageRecord } from "../metering/usageRecord.js";
import { retentionFixture, type RetentionFixture } from "./retentionFixture.js";
import { archivedRows } from "./archiveLines.js";

const JAN_1 = Date.UTC(2025, 0, 1);
const JAN_10 = Date.UTC(2025, 0, 10);
const base: RetentionConfig = { sessionsDays: 0, ledgerDays: 0, requestBodiesDays: 0, mode: "purge", batchSize: 2, everyMinutes: 60 };

/** A session of `userId` with a question, a scored answer and a follow-up, at f.at.now. */
async function chat(f: RetentionFixture, userId: string): Promise<string> {
  const session = await f.store.sessions.create({ userId });
  const [, answer] = await f.store.messages.append(session.id, [
    { role: "user", content: "question", status: "complete" },
    { role: "assistant", content: "answer", status: "complete" },
    { role: "user", content: "thanks", status: "complete" },
  ]);
  assert.ok(answer && (await f.store.messages.setFeedback(answer.id, userId, 1)));
  return session.id;
}

/** Five old sessions (one touched again later) and two recent ones; purged as of March 1st with 30 days. */
async function sessionsScenario(f: RetentionFixture) {
  f.at.now = JAN_1;
  const old = [];
  for (let i = 0; i < 5; i++) old.push(await chat(f, `old-${i}`));
  f.at.now = Date.UTC(2025, 1, 15);
  const recent = [await chat(f, "new-0"), await chat(f, "new-1")];
  const revived = old[4] ?? "";
  await f.store.messages.append(revived, [{ role: "user", content: "back again", status: "complete" }]);
  return { expired: old.slice(0, 4), kept: [...recent, revived], now: Date.UTC(2025, 2, 1) };
}

eachDialect("retention", (context) => {
  test("sessions idle past sessionsDays go with their messages and feedback, in batches; active ones stay whole", async () => {
    const f = await retentionFixture(context);
    try {
      const { expired, kept, now } = await sessionsScenario(f);
      const keptMessages = (await f.raw.selectFrom("messages").select("id").where("session_id", "in", kept).execute()).length;
      const ledger = [usageRecord("u", { createdAt: JAN_1 })];
      await f.store.usage.append(ledger);

      const dry = await purgeExpired(f.store, { ...base, sessionsDays: 30 }, { now, dryRun: true });
      assert.deepEqual(dry.deleted, { sessions: 4, messages: 12, usageLedger: 0, requestBodies: 0 });
      assert.equal((await f.ids("sessions")).length, 7, "a dry run deletes nothing");

      const result = await purgeExpired(f.store, { ...base, sessionsDays: 30 }, { now });
      assert.deepEqual(result, { ran: true, dryRun: false, interrupted: false, deleted: { sessions: 4, messages: 12, usageLedger: 0, requestBodies: 0 }, ledgerDaysKept: [], archives: [] });
      assert.deepEqual(await f.ids("sessions"), [...kept].sort());
      const messages = await f.raw.selectFrom("messages").select(["session_id", "feedback_score"]).execute();
      assert.equal(messages.length, keptMessages);
      assert.ok(messages.every((m) => kept.includes(m.session_id)));
      assert.equal(messages.filter((m) => m.feedback_score !== null).length, 3, "the kept sessions keep their feedback");
      for (const id of expired) assert.equal((await f.store.messages.list(id, { limit: 10 })).items.length, 0);
      assert.deepEqual(await f.ids("usage_ledger"), ledger.map((r) => r.id), "ledgerDays 0 keeps the ledger");

      const again = await purgeExpired(f.store, { ...base, sessionsDays: 30 }, { now });
      assert.deepEqual(again.deleted, { sessions: 0, messages: 0, usageLedger: 0, requestBodies: 0 });
    } finally {
      await f.close();
    }
  });

  test("ledger rows go by whole days, only days rolled up and unchanged since; their totals survive", async () => {
    const f = await retentionFixture(context);
    try {
      const rows = Array.from({ length: 25 }, (_, i) => usageRecord(`u${i % 3}`, { createdAt: JAN_10 + Math.floor(i / 5) * DAY_MS + i * 1000 }));
      await f.store.usage.append(rows);
      await rollUpUsage(f.store, { from: JAN_10, to: JAN_10 + 3 * DAY_MS });
      const late = usageRecord("late", { createdAt: JAN_10 + DAY_MS + 50_000 });
      await f.store.usage.append([late]);
      // 30 days before this, Jan 14 12:00: Jan 10 to 13 have expired whole; Jan 14 has not.
      const now = JAN_10 + 34 * DAY_MS + DAY_MS / 2;
      const retention = { ...base, ledgerDays: 30 };

      const dry = await purgeExpired(f.store, retention, { now, dryRun: true });
      assert.deepEqual([dry.deleted.usageLedger, dry.ledgerDaysKept], [10, ["2025-01-11", "2025-01-13"]]);
      const first = await purgeExpired(f.store, retention, { now });
      assert.equal(first.deleted.usageLedger, 10);
      assert.deepEqual(first.ledgerDaysKept, ["2025-01-11", "2025-01-13"], "Jan 11 got a late row; Jan 13 is not rolled up");
      const left = new Set(await f.ids("usage_ledger"));
      const gone = rows.filter((r) => !left.has(r.id)).map((r) => new Date(r.createdAt).toISOString().slice(0, 10));
      assert.deepEqual([...new Set(gone)], ["2025-01-10", "2025-01-12"]);
      assert.equal(left.size, 16);

      const rerun = await rollUpUsage(f.store, { from: JAN_10, to: JAN_10 + 5 * DAY_MS });
      assert.deepEqual(rerun.sealed, ["2025-01-10", "2025-01-12"], "purged days are final: not recomputed from an emptied ledger");
      const second = await purgeExpired(f.store, retention, { now });
      assert.deepEqual([second.deleted.usageLedger, second.ledgerDaysKept], [11, []]);
      assert.equal((await f.ids("usage_ledger")).length, 5, "Jan 14 is younger than 30 days");

      const perDay = (await f.store.rollups.daily({ from: "2025-01-10", to: "2025-01-15" }, { limit: 10 })).items.map((d) => [d.day, d.requests]);
      assert.deepEqual(perDay, [["2025-01-10", 5], ["2025-01-11", 6], ["2025-01-12", 5], ["2025-01-13", 5], ["2025-01-14", 5]]);
    } finally {
      await f.close();
    }
  });

  test("archive mode: one gzip'd JSON-lines file per table holding exactly the deleted rows", async () => {
    const f = await retentionFixture(context);
    const dir = await mkdtemp(join(tmpdir(), "sy-archive-"));
    try {
      const { now } = await sessionsScenario(f);
      await f.store.usage.append(Array.from({ length: 7 }, (_, i) => usageRecord("u", { createdAt: JAN_1 + i * 1000, costUsd: 0.25 * i })));
      await rollUpUsage(f.store, { from: JAN_1, to: JAN_1 + DAY_MS });
      const before = {
        sessions: await f.raw.selectFrom("sessions").selectAll().execute(),
        messages: await f.raw.selectFrom("messages").selectAll().execute(),
        usage_ledger: await f.raw.selectFrom("usage_ledger").selectAll().execute(),
      };
      const result = await purgeExpired(f.store, { ...base, sessionsDays: 30, ledgerDays: 30, mode: "archive", archiveDir: dir, batchSize: 3 }, { now });
      assert.deepEqual(result.deleted, { sessions: 4, messages: 12, usageLedger: 7, requestBodies: 0 });
      assert.equal(result.archives.length, 3);
      assert.ok(result.archives.every((path) => path.startsWith(dir) && path.endsWith(".jsonl.gz")));
      assert.deepEqual((await readdir(dir)).filter((name) => name.endsWith(".partial")), [], "no partial file is left");

      for (const table of ["sessions", "messages", "usage_ledger"] as const) {
        const left = new Set(await f.ids(table));
        const deleted = before[table].filter((row) => !left.has(row.id)).map((row) => JSON.parse(JSON.stringify(row)) as Record<string, unknown>);
        const archived = await archivedRows(dir, table);
        const byId = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a.id).localeCompare(String(b.id));
        assert.deepEqual(archived.sort(byId), deleted.sort(byId), `${table}: archived rows are the deleted rows, as stored`);
      }
    } finally {
      await f.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("when the archive cannot be written, nothing is deleted", async () => {
    const f = await retentionFixture(context);
    const dir = await mkdtemp(join(tmpdir(), "sy-archive-"));
    try {
      const { now } = await sessionsScenario(f);
      const blocked = join(dir, "not-a-directory");
      await writeFile(blocked, "");
      await assert.rejects(purgeExpired(f.store, { ...base, sessionsDays: 30, mode: "archive", archiveDir: join(blocked, "archive") }, { now }), { code: "ENOTDIR" });
      assert.equal((await f.ids("sessions")).length, 7);
      assert.equal((await f.ids("messages")).length, 7 * 3 + 1);
    } finally {
      await f.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("one run at a time: a run while another holds the lock does nothing; an aborted run stops between batches", async () => {
    const f = await retentionFixture(context);
    try {
      const { now } = await sessionsScenario(f);
      const inner = await f.store.retention.exclusive("retention", () => purgeExpired(f.store, { ...base, sessionsDays: 30 }, { now }));
      assert.ok(inner.acquired);
      assert.equal(inner.value.ran, false);
      assert.equal((await f.ids("sessions")).length, 7);

      const aborted = await purgeExpired(f.store, { ...base, sessionsDays: 30 }, { now, signal: AbortSignal.abort() });
      assert.deepEqual([aborted.ran, aborted.interrupted, aborted.deleted.sessions], [true, true, 0]);
      assert.equal((await purgeExpired(f.store, { ...base, sessionsDays: 30 }, { now })).deleted.sessions, 4, "the lock was released");
    } finally {
      await f.close();
    }
  });
});
