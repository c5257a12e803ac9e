/**
 * The roll-up, daily usage and retention queries are served by indexes on both dialects (as in queryPlans.test):
 * each store call's compiled statements are captured through openStore's onQuery hook and explained on a second
 * connection, over tables of a few thousand ANALYZEd rows.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CompiledQuery, Kysely, sql, type Dialect, type Insertable } from "kysely";
import { openStore, type Store } from "../../src/store/openStore.js";
import { postgresDialect } from "../../src/store/postgresDialect.js";
import { sqliteDialect } from "../../src/store/sqliteDialect.js";
import type { Database } from "../../src/store/schema.js";
import { DAY_MS, dayOf } from "../../src/store/utcDay.js";
import { createTestPostgresDatabase } from "../support/pgDatabase.js";
import { fullScanOf, postgresSteps, sqliteStep, type PlanStep } from "./planSteps.js";

const T0 = Date.UTC(2024, 0, 1);


for (const dialect of ["postgres", "sqlite"] as const) {
  describe(`retention and roll-up query plans [${dialect}]`, () => {
    let store: Store | undefined;
    let db: Kysely<Database> | undefined;
    let drop: (() => Promise<void>) | undefined;
    const sent: CompiledQuery[] = [];

    before(async () => {
      let url: string;
      let seedDialect: Dialect;
      if (dialect === "postgres") {
        const database = await createTestPostgresDatabase();
        url = database.url;
        drop = database.drop;
        seedDialect = postgresDialect(url, undefined).dialect;
      } else {
        const dir = await mkdtemp(join(tmpdir(), "sy-plans-"));
        url = `sqlite:${join(dir, "plans.db")}`;
        drop = () => rm(dir, { recursive: true, force: true });
        seedDialect = sqliteDialect(join(dir, "plans.db"));
      }
      store = await openStore(url, { onQuery: (event) => void sent.push(event.query) });
      db = new Kysely<Database>({ dialect: seedDialect });
      await seed(db);
      await sql`analyze`.execute(db);
    });
    after(async () => {
      await store?.close();
      await db?.destroy();
      await drop?.();
    });

    const pkey = (table: string) => (dialect === "postgres" ? `${table}_pkey` : `sqlite_autoindex_${table}_1`);

    /** Every statement `call` sends that reads or deletes rows of `table` uses one of `indexes`, never a full scan. */
    const expectIndexes = async (table: string, indexes: readonly string[], call: (s: Store) => Promise<unknown>) => {
      if (store === undefined || db === undefined) throw new Error("opened in before()");
      sent.length = 0;
      await call(store);
      const reads = new RegExp(`^(select\\b.*?\\bfrom|update|delete from)\\s+"${table}"`, "is");
      const statements = sent.filter((q) => reads.test(q.sql));
      assert.ok(statements.length > 0, `no statement on ${table} was sent`);
      for (const query of statements) {
        const prefix = dialect === "postgres" ? "explain (format json) " : "explain query plan ";
        const { rows }: { rows: Array<Record<string, unknown>> } = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(prefix + query.sql, [...query.parameters]));
        const plan: PlanStep[] = dialect === "postgres" ? postgresSteps(rows[0]?.["QUERY PLAN"]) : rows.map(sqliteStep);
        const shown = `${query.sql}\n${JSON.stringify(plan)}`;
        assert.ok(plan.some((step) => step.index !== undefined && indexes.includes(step.index)), `expected one of ${indexes.join(", ")}: ${shown}`);
        const fullScan = fullScanOf(plan, table);
        assert.equal(fullScan, undefined, `full scan of ${table}: ${shown}`);
      }
    };

    test("roll-up: a day's ledger rows are read by batch through the created_at index; the day's rows replaced by index", async () => {
      const day = dayOf(T0 + 12 * DAY_MS);
      await expectIndexes("usage_ledger", ["usage_ledger_created_idx"], (s) => s.rollups.recomputeDay(day, { batchSize: 50, now: T0 }));
      await expectIndexes("usage_daily", ["usage_daily_day_group_idx"], (s) => s.rollups.recomputeDay(day, { batchSize: 50, now: T0 }));
      await expectIndexes("usage_rollup_days", [pkey("usage_rollup_days")], (s) => s.rollups.recomputeDay(day, { batchSize: 50, now: T0 }));
      await expectIndexes("usage_ledger", ["usage_ledger_created_idx"], (s) => s.rollups.daysNotRolledUp(T0 + 5 * DAY_MS));
      await expectIndexes("usage_ledger", ["usage_ledger_created_idx"], (s) => s.rollups.purgeState(day));
    });

    test("daily usage: a range of days, per day and grouped, first page and continuation", async () => {
      const range = { from: dayOf(T0 + 40 * DAY_MS), to: dayOf(T0 + 43 * DAY_MS) };
      for (const groupBy of [undefined, "user", "key", "engine", "model"] as const) {
        await expectIndexes("usage_daily", ["usage_daily_day_group_idx"], (s) => s.rollups.daily({ ...range, groupBy }, { limit: 20 }));
        const first = await store?.rollups.daily({ ...range, groupBy }, { limit: 2 });
        assert.ok(first?.nextCursor);
        await expectIndexes("usage_daily", ["usage_daily_day_group_idx"], (s) => s.rollups.daily({ ...range, groupBy }, { limit: 2, cursor: first.nextCursor ?? undefined }));
      }
      await expectIndexes("usage_daily", ["usage_daily_day_group_idx"], (s) => s.rollups.dailyTotals(range));
    });

    test("retention: expired sessions by last activity, their messages, ledger rows of a day", async () => {
      const before = T0 + 200 * 60_000;
      await expectIndexes("sessions", ["sessions_updated_idx"], (s) => s.retention.expiredSessions(before, 50));
      const batch = (await store?.retention.expiredSessions(before, 3)) ?? [];
      assert.equal(batch.length, 3);
      const ids = batch.map((b) => b.id);
      await expectIndexes("messages", ["messages_session_seq_idx", pkey("messages")], (s) => s.retention.takeMessages(ids, before, 10));
      await expectIndexes("sessions", [pkey("sessions")], (s) => s.retention.takeSessions(ids, before));
      await expectIndexes("usage_ledger", ["usage_ledger_created_idx"], (s) => s.retention.nextLedgerDay(0, T0 + 3 * DAY_MS));
      await expectIndexes("usage_ledger", ["usage_ledger_created_idx", pkey("usage_ledger")], (s) => s.retention.takeLedgerRows(dayOf(T0), 20));
    });
  });
}




async function seed(db: Kysely<Database>): Promise<void> {
  const insert = async <T extends keyof Database>(table: T, rows: Array<Insertable<Database[T]>>) => {
    for (let start = 0; start < rows.length; start += 100) await db.insertInto(table).values(rows.slice(start, start + 100)).execute();
  };
  const range = <R>(count: number, row: (i: number) => R): R[] => Array.from({ length: count }, (_, i) => row(i));
  await insert("sessions", range(4000, (i) => ({ id: `session-${i}`, user_id: `user-${i % 200}`, title: null, engine: null, model: null, project_id: null, message_count: 2, active: 1, created_at: T0 + i * 60_000, updated_at: T0 + i * 60_000 })));
  await insert(
    "messages",
    range(8000, (i) => ({
      id: `message-${i}`,
      session_id: `session-${Math.floor(i / 2)}`,
      seq: (i % 2) + 1,
      role: i % 2 === 0 ? ("user" as const) : ("assistant" as const),
      content: "text",
      tool_calls: null,
      tool_call_id: null,
      engine: null,
      model: null,
      trace_id: null,
      input_tokens: null,
      output_tokens: null,
      status: "complete" as const,
      created_at: T0 + i * 30_000,
    })),
  );
  await insert(
    "usage_ledger",
    range(6000, (i) => ({
      id: `usage-${i}`,
      created_at: T0 + Math.floor((i * 30 * DAY_MS) / 6000),
      request_id: `request-${i}`,
      trace_id: `trace-${i}`,
      key_id: `key-${i % 300}`,
      user_id: `user-${i % 200}`,
      route: "auto",
      engine: "vllm",
      model: "m",
      input_tokens: 10,
      output_tokens: 20,
      cached_input_tokens: 0,
      reasoning_tokens: 0,
      cost_usd: 0.001,
      estimated: 0,
      latency_ms: 100,
      status: "complete" as const,
    })),
  );
  await insert(
    "usage_daily",
    range(12_000, (i) => ({
      day: dayOf(T0 + Math.floor(i / 200) * DAY_MS),
      user_id: `user-${i % 200}`,
      key_id: `key-${i % 200}`,
      engine: `engine-${i % 3}`,
      model: `model-${i % 7}`,
      requests: 3,
      input_tokens: 30,
      output_tokens: 20,
      cost_usd: 0.01,
    })),
  );
  // Years of rolled-up days, so the planner does not simply read a small table whole.
  await insert("usage_rollup_days", range(3000, (i) => ({ day: dayOf(T0 - 2000 * DAY_MS + i * DAY_MS), requests: 200, rolled_up_at: T0, sealed_at: null })));
}
