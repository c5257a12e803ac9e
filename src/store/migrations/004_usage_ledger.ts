import { sql, type Kysely } from "kysely";

// Migrations see the database as it was when they were written, not as schema.ts describes it today.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("usage_ledger")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("request_id", "text", (c) => c.notNull())
    .addColumn("trace_id", "text", (c) => c.notNull())
    // No foreign keys: the ledger is a record that outlives revoked keys and deleted users.
    .addColumn("key_id", "text")
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("route", "text")
    .addColumn("engine", "text")
    .addColumn("model", "text")
    .addColumn("input_tokens", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("cached_input_tokens", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("output_tokens", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("reasoning_tokens", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("cost_usd", "double precision", (c) => c.notNull().defaultTo(0))
    .addColumn("estimated", "integer", (c) => c.notNull().defaultTo(0).check(sql`estimated in (0, 1)`))
    .addColumn("latency_ms", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("ttft_ms", "integer")
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('complete', 'incomplete', 'failed', 'rejected')`))
    .addColumn("error_code", "text")
    .execute();

  // Budgets load a subject's spend since the window start; the usage APIs page a user's or a key's rows by time.
  await db.schema.createIndex("usage_ledger_user_created_idx").on("usage_ledger").columns(["user_id", "created_at"]).execute();
  await db.schema.createIndex("usage_ledger_key_created_idx").on("usage_ledger").columns(["key_id", "created_at"]).execute();
  // The admin listing over everyone, newest first.
  await db.schema.createIndex("usage_ledger_created_idx").on("usage_ledger").columns(["created_at", "id"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("usage_ledger").execute();
}
