import type { Kysely } from "kysely";
import { sql } from "kysely";

// Migrations see the database as it was when they were written, not as schema.ts describes it today.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("api_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('user', 'admin')`))
    // sha256 hex of the whole key. Keys carry 256 random bits, so nobody can brute-force a preimage and a slow
    // password hash (bcrypt, scrypt) would only cost latency on every request; the unique index is the lookup.
    .addColumn("key_hash", "text", (c) => c.notNull().unique())
    // The first characters of the key ("sy-" and a few more), so people can tell their keys apart in a list.
    .addColumn("prefix", "text", (c) => c.notNull())
    // JSON text of string[]; null: every model.
    .addColumn("allowed_models", "text")
    .addColumn("rpm", "integer")
    .addColumn("tpm", "integer")
    .addColumn("budget_usd", "double precision")
    .addColumn("budget_window", "text", (c) => c.check(sql`budget_window in ('day', 'month', 'total')`))
    .addColumn("expires_at", "bigint")
    .addColumn("revoked_at", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("last_used_at", "bigint")
    .execute();

  // Serves the admin listing, newest first.
  await db.schema.createIndex("api_keys_created_idx").on("api_keys").columns(["created_at desc", "id"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("api_keys").execute();
}
