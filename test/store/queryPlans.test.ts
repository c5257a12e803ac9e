/**
 * Every hot query is served by an index, on both dialects. The SQL explained is the SQL the store sends: each
 * test calls a store method and captures its compiled query through openStore's onQuery hook, so nothing here
 * rebuilds a query that could drift from the store's. Tables hold a few thousand rows and are ANALYZEd, so the
 * planners choose as they would on a live database rather than scanning small tables whole.
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

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;


interface Harness {
  store: Store;
  /** Runs `call` and returns the plan of each statement it sent that reads, updates or deletes rows of `table`. */
  plansOf(table: string, call: () => Promise<unknown>): Promise<PlanStep[][]>;
}

for (const dialect of ["postgres", "sqlite"] as const) {
  describe(`query plans [${dialect}]`, () => {
    let harness: Harness | undefined;
    let dispose: (() => Promise<void>) | undefined;
    before(async () => {
      ({ harness, dispose } = await openHarness(dialect));
    });
    after(async () => dispose?.());

    // Primary keys and unique constraints get generated index names that differ per dialect.
    const named = (postgres: string, sqlite: string) => (dialect === "postgres" ? postgres : sqlite);
    const expectIndex = async (table: string, index: string, call: (store: Store) => Promise<unknown>) => {
      if (harness === undefined) throw new Error("the harness opens in before()");
      const store = harness.store;
      const plans = await harness.plansOf(table, () => call(store));
      assert.ok(plans.length > 0, `no statement on ${table} was sent`);
      for (const plan of plans) assertUsesIndex(plan, table, index);
    };
    /** Like expectIndex, and the index is entered at `column`'s bound (a seek), not walked from its start. */
    const expectSeek = async (table: string, index: string, column: string, call: (store: Store) => Promise<unknown>) => {
      if (harness === undefined) throw new Error("the harness opens in before()");
      const store = harness.store;
      const plans = await harness.plansOf(table, () => call(store));
      assert.ok(plans.length > 0, `no statement on ${table} was sent`);
      for (const plan of plans) {
        assertUsesIndex(plan, table, index);
        const step = plan.find((candidate) => candidate.index === index);
        assert.match(step?.condition ?? "", new RegExp(`\\b${column}\\b`), `${index} is searched by ${column}: ${JSON.stringify(plan)}`);
      }
    };

    test("sessions: a user's active sessions, first page and keyset continuation", async () => {
      await expectIndex("sessions", "sessions_user_active_updated_idx", (s) => s.sessions.list("user-7", { limit: 20 }));
      const first = await harness?.store.sessions.list("user-7", { limit: 5 });
      assert.ok(first?.nextCursor, "user-7 has more than one page");
      await expectSeek("sessions", "sessions_user_active_updated_idx", "updated_at", (s) =>
        s.sessions.list("user-7", { limit: 5, cursor: first.nextCursor ?? undefined }),
      );
    });

    test("sessions: one session by id and owner", async () => {
      await expectIndex("sessions", named("sessions_pkey", "sqlite_autoindex_sessions_1"), (s) => s.sessions.get("session-42", "user-2"));
    });

    test("messages: the recent window and a keyset page of one session", async () => {
      await expectIndex("messages", "messages_session_seq_idx", (s) => s.messages.recent("session-3", 20));
      await expectIndex("messages", "messages_session_seq_idx", (s) => s.messages.list("session-3", { limit: 10 }));
      const first = await harness?.store.messages.list("session-3", { limit: 10 });
      await expectIndex("messages", "messages_session_seq_idx", (s) =>
        s.messages.list("session-3", { limit: 10, cursor: first?.nextCursor ?? undefined }),
      );
    });

    test("messages: appending bumps the session by primary key; feedback finds the message by primary key", async () => {
      await expectIndex("sessions", named("sessions_pkey", "sqlite_autoindex_sessions_1"), (s) =>
        s.messages.append("session-5", [{ role: "user", content: "hi", status: "complete" }]),
      );
      await expectIndex("messages", named("messages_pkey", "sqlite_autoindex_messages_1"), (s) => s.messages.setFeedback("message-3-2", "user-0", 1));
    });

    test("api keys: lookup by hash", async () => {
      await expectIndex("api_keys", named("api_keys_key_hash_key", "sqlite_autoindex_api_keys_2"), (s) => s.apiKeys.findByHash(hashOf(1234)));
    });

    test("usage: budget spend since the window start, per key and per user", async () => {
      await expectIndex("usage_ledger", "usage_ledger_key_created_idx", (s) => s.usage.spentSince({ kind: "key", id: "key-17" }, T0 + 20 * DAY));
      await expectIndex("usage_ledger", "usage_ledger_user_created_idx", (s) => s.usage.spentSince({ kind: "user", id: "user-17" }, T0 + 20 * DAY));
    });

    test("usage: listing pages and totals for a user, a key and everyone", async () => {
      await expectIndex("usage_ledger", "usage_ledger_user_created_idx", (s) => s.usage.list({ userId: "user-9" }, { limit: 20 }));
      const first = await harness?.store.usage.list({ userId: "user-9" }, { limit: 5 });
      assert.ok(first?.nextCursor, "user-9 has more than one page");
      await expectSeek("usage_ledger", "usage_ledger_user_created_idx", "created_at", (s) =>
        s.usage.list({ userId: "user-9" }, { limit: 5, cursor: first.nextCursor ?? undefined }),
      );
      await expectIndex("usage_ledger", "usage_ledger_user_created_idx", (s) => s.usage.totals({ userId: "user-9", from: T0 + 10 * DAY }));
      await expectIndex("usage_ledger", "usage_ledger_key_created_idx", (s) => s.usage.list({ keyId: "key-9" }, { limit: 20 }));
      await expectIndex("usage_ledger", "usage_ledger_created_idx", (s) => s.usage.list({}, { limit: 20 }));
    });

    test("webhook deliveries: newest first, per subscription, and the pending ones", async () => {
      await expectIndex("webhook_deliveries", "webhook_deliveries_created_idx", (s) => s.webhooks.listDeliveries({}, { limit: 20 }));
      await expectIndex("webhook_deliveries", "webhook_deliveries_subscription_created_idx", (s) =>
        s.webhooks.listDeliveries({ subscriptionId: "sub-3" }, { limit: 20 }),
      );
      await expectIndex("webhook_deliveries", "webhook_deliveries_status_created_idx", (s) =>
        s.webhooks.listDeliveries({ status: "pending" }, { limit: 20 }),
      );
    });

    test("experiments: the running experiment for a target, and an experiment's messages", async () => {
      await expectIndex("experiments", "experiments_applies_status_created_idx", (s) => s.experiments.running("target-10"));
      await expectIndex("messages", "messages_experiment_variant_idx", (s) => s.experiments.results("experiment-5"));
    });
  });
}

async function openHarness(dialect: "postgres" | "sqlite"): Promise<{ harness: Harness; dispose: () => Promise<void> }> {
  let url: string;
  let drop: () => Promise<void>;
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
  const sent: CompiledQuery[] = [];
  const store = await openStore(url, { onQuery: (event) => void sent.push(event.query) });
  // A second connection seeds, analyzes and explains: the store exposes no raw SQL, and needs none for this.
  const db = new Kysely<Database>({ dialect: seedDialect });
  await seed(db);
  await sql`analyze`.execute(db);

  const harness: Harness = {
    store,
    async plansOf(table, call) {
      sent.length = 0;
      await call();
      // Inserts need no plan; what matters is how the rows a statement reads or changes are found.
      const reads = new RegExp(`^(select\\b.*\\bfrom|update|delete from)\\s+"${table}"`, "is");
      const plans: PlanStep[][] = [];
      for (const query of sent.filter((q) => reads.test(q.sql))) {
        const prefix = dialect === "postgres" ? "explain (format json) " : "explain query plan ";
        const { rows } = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(prefix + query.sql, [...query.parameters]));
        plans.push(dialect === "postgres" ? postgresSteps(rows[0]?.["QUERY PLAN"]) : rows.map(sqliteStep));
      }
      return plans;
    },
  };
  return {
    harness,
    dispose: async () => {
      await store.close();
      await db.destroy();
      await drop();
    },
  };
}

/** Index Scan, Index Only Scan or Bitmap Index Scan on `index`, and never a full scan of `table` without one. */
function assertUsesIndex(plan: PlanStep[], table: string, index: string): void {
  const shown = JSON.stringify(plan);
  assert.ok(
    plan.some((step) => step.index === index && /^(Index Scan|Index Only Scan|Bitmap Index Scan|SEARCH|SCAN)/.test(step.step)),
    `expected ${index} in the plan: ${shown}`,
  );
  const fullScan = fullScanOf(plan, table);
  assert.equal(fullScan, undefined, `full scan of ${table}: ${shown}`);
}




function hashOf(n: number): string {
  return n.toString(16).padStart(64, "0");
}

/** A few thousand rows per hot table, spread over many owners the way a busy gateway's would be. */
async function seed(db: Kysely<Database>): Promise<void> {
  const insert = async <T extends keyof Database>(table: T, rows: Array<Insertable<Database[T]>>) => {
    for (let start = 0; start < rows.length; start += 100) {
      await db.insertInto(table).values(rows.slice(start, start + 100)).execute();
    }
  };
  const range = <R>(count: number, row: (i: number) => R): R[] => Array.from({ length: count }, (_, i) => row(i));

  await insert(
    "sessions",
    range(4000, (i) => ({
      id: `session-${i}`,
      user_id: `user-${i % 200}`,
      title: `session ${i}`,
      engine: null,
      model: null,
      project_id: null,
      message_count: i < 200 ? 25 : 0,
      active: i % 10 === 9 ? 0 : 1,
      created_at: T0 + i * 60_000,
      updated_at: T0 + i * 60_000,
    })),
  );
  await insert(
    "messages",
    range(5000, (i) => {
      const session = Math.floor(i / 25);
      const seq = (i % 25) + 1;
      return {
        id: `message-${session}-${seq}`,
        session_id: `session-${session}`,
        seq,
        role: seq % 2 === 0 ? ("assistant" as const) : ("user" as const),
        content: "text",
        tool_calls: null,
        tool_call_id: null,
        engine: null,
        model: null,
        trace_id: null,
        input_tokens: 10,
        output_tokens: 20,
        status: "complete" as const,
        created_at: T0 + i * 1000,
        latency_ms: 100,
        ttft_ms: 10,
        experiment_id: i % 5 === 0 ? `experiment-${i % 40}` : null,
        variant: i % 5 === 0 ? (i % 2 === 0 ? "a" : "b") : null,
      };
    }),
  );
  await insert(
    "api_keys",
    range(3000, (i) => ({
      id: `key-${i}`,
      name: `key ${i}`,
      user_id: `user-${i % 200}`,
      role: "user" as const,
      key_hash: hashOf(i),
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
  await insert(
    "usage_ledger",
    range(6000, (i) => ({
      id: `usage-${i}`,
      created_at: T0 + Math.floor((i * 30 * DAY) / 6000),
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
    "webhook_deliveries",
    range(5000, (i) => ({
      id: `delivery-${i}`,
      subscription_id: `sub-${i % 20}`,
      event: "key.created",
      payload: "{}",
      // Most deliveries succeed; a few are still pending or failed for good.
      status: i % 50 === 0 ? ("pending" as const) : i % 50 === 1 ? ("failed" as const) : ("delivered" as const),
      attempts: 1,
      created_at: T0 + i * 1000,
    })),
  );
  await insert(
    "experiments",
    range(2000, (i) => ({
      id: `experiment-${i}`,
      name: `experiment ${i}`,
      status: i % 10 === 0 ? ("running" as const) : i % 10 === 1 ? ("paused" as const) : ("stopped" as const),
      applies_to: `target-${i % 200}`,
      assign_by: "user" as const,
      variants: JSON.stringify([{ name: "a", weight: 1 }, { name: "b", weight: 1 }]),
      created_at: T0 + i,
      updated_at: T0 + i,
    })),
  );
}
