import type { Kysely } from "kysely";

// Migrations see the database as it was when they were written, not as schema.ts describes it today.
export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per UTC day and (user, key, engine, model). Absent keys, engines and models are '' rather than null so
  // the unique index holds on both dialects (NULLs are distinct in a unique index).
  await db.schema
    .createTable("usage_daily")
    .addColumn("day", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("key_id", "text", (c) => c.notNull())
    .addColumn("engine", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("requests", "bigint", (c) => c.notNull())
    .addColumn("input_tokens", "bigint", (c) => c.notNull())
    .addColumn("output_tokens", "bigint", (c) => c.notNull())
    .addColumn("cost_usd", "double precision", (c) => c.notNull())
    .execute();
  // Serves every read (a range of days, grouped) and the per-day replace of a recompute.
  await db.schema
    .createIndex("usage_daily_day_group_idx")
    .on("usage_daily")
    .columns(["day", "user_id", "key_id", "engine", "model"])
    .unique()
    .execute();

  // Which days are rolled up, with how many ledger rows, and which ones retention has started to purge (sealed:
  // never recomputed again, since the ledger no longer holds the whole day).
  await db.schema
    .createTable("usage_rollup_days")
    .addColumn("day", "text", (c) => c.primaryKey())
    .addColumn("requests", "bigint", (c) => c.notNull())
    .addColumn("rolled_up_at", "bigint", (c) => c.notNull())
    .addColumn("sealed_at", "bigint")
    .execute();

  // Retention finds sessions by last activity across every user, oldest first.
  await db.schema.createIndex("sessions_updated_idx").on("sessions").columns(["updated_at", "id"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("sessions_updated_idx").execute();
  await db.schema.dropTable("usage_rollup_days").execute();
  await db.schema.dropTable("usage_daily").execute();
}
