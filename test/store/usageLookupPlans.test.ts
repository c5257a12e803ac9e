/**
 * The lookups added for the console are served by indexes on both dialects (as in queryPlans.test): a trace's or
 * a request's ledger rows, a user's keys, and the series over a user or a narrow window. Each store call's
 * statements are captured through openStore's onQuery hook and explained on a second connection, over a few
 * thousand ANALYZEd rows.
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
import { createTestPostgresDatabase } from "../support/pgDatabase.js";
import { fullScanOf, postgresSteps, sqliteStep, type PlanStep } from "./planSteps.js";

const T0 = Date.UTC(2025, 0, 1);
const MINUTE = 60_000;

for (const dialect of ["postgres", "sqlite"] as const) {
  describe(`usage lookup query plans [${dialect}]`, () => {
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

    /** Every statement `call` sends that reads `table` uses one of `indexes`, never a full scan. */
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
        assert.equal(fullScanOf(plan, table), undefined, `full scan of ${table}: ${shown}`);
      }
    };

    test("usage: one trace's and one request's rows, listed and totalled", async () => {
      await expectIndexes("usage_ledger", ["usage_ledger_trace_idx"], (s) => s.usage.list({ traceId: "trace-77" }, { limit: 20 }));
      await expectIndexes("usage_ledger", ["usage_ledger_trace_idx"], (s) => s.usage.totals({ traceId: "trace-77" }));
      await expectIndexes("usage_ledger", ["usage_ledger_request_idx"], (s) => s.usage.list({ requestId: "request-77" }, { limit: 20 }));
    });

    test("api keys: one user's keys", async () => {
      await expectIndexes("api_keys", ["api_keys_user_created_idx"], (s) => s.apiKeys.listByUser("user-7"));
    });

    test("usage series: one user's, and everyone's over a narrow window", async () => {
      const window = { bucket: "hour" as const, groupBy: "none" as const, maxSeries: 20, maxRows: 200_000 };
      await expectIndexes("usage_ledger", ["usage_ledger_user_created_idx"], (s) => s.usage.series({ ...window, from: T0, to: T0 + 6 * 60 * MINUTE, filter: { userId: "user-7" } }));
      await expectIndexes("usage_ledger", ["usage_ledger_created_idx"], (s) => s.usage.series({ ...window, groupBy: "engine", from: T0, to: T0 + 60 * MINUTE, filter: {} }));
    });
  });
}

async function seed(db: Kysely<Database>): Promise<void> {
  const insert = async <T extends keyof Database>(table: T, rows: Array<Insertable<Database[T]>>) => {
    for (let start = 0; start < rows.length; start += 100) await db.insertInto(table).values(rows.slice(start, start + 100)).execute();
  };
  const range = <R>(count: number, row: (i: number) => R): R[] => Array.from({ length: count }, (_, i) => row(i));
  await insert(
    "usage_ledger",
    range(6000, (i) => ({
      id: `usage-${i}`,
      // One row a minute for a little over four days.
      created_at: T0 + i * MINUTE,
      request_id: `request-${i}`,
      trace_id: `trace-${i}`,
      key_id: `key-${i % 300}`,
      user_id: `user-${i % 200}`,
      route: "auto",
      engine: i % 2 === 0 ? "vllm" : "openai",
      model: "m",
      input_tokens: 10,
      output_tokens: 20,
      cached_input_tokens: 0,
      reasoning_tokens: 0,
      cost_usd: 0.001,
      estimated: 0,
      latency_ms: 100 + (i % 50),
      ttft_ms: 10 + (i % 7),
      status: "complete" as const,
    })),
  );
  await insert(
    "api_keys",
    range(3000, (i) => ({
      id: `key-${i}`,
      name: `key ${i}`,
      user_id: `user-${i % 200}`,
      role: "user" as const,
      key_hash: i.toString(16).padStart(64, "0"),
      prefix: "sy-abc",
      allowed_models: null,
      rpm: null,
      tpm: null,
      budget_usd: null,
      budget_window: null,
      expires_at: null,
      revoked_at: null,
      created_at: T0 + i,
      last_used_at: null,
    })),
  );
}
