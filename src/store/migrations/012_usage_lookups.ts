import type { Kysely } from "kysely";

// Migrations see the database as it was when they were written, not as schema.ts describes it today.
export async function up(db: Kysely<unknown>): Promise<void> {
  // The usage APIs find the row(s) of one request or one trace (from a response's x-trace-id, a log line); without
  // these, each lookup would read the whole ledger. IF NOT EXISTS: another migration may serve the same lookup.
  await db.schema.createIndex("usage_ledger_trace_idx").ifNotExists().on("usage_ledger").columns(["trace_id"]).execute();
  await db.schema.createIndex("usage_ledger_request_idx").ifNotExists().on("usage_ledger").columns(["request_id"]).execute();
  // A user's own keys (GET /api/v2/keys), newest first, without reading every key.
  await db.schema.createIndex("api_keys_user_created_idx").ifNotExists().on("api_keys").columns(["user_id", "created_at desc", "id"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("api_keys_user_created_idx").ifExists().execute();
  await db.schema.dropIndex("usage_ledger_request_idx").ifExists().execute();
  await db.schema.dropIndex("usage_ledger_trace_idx").ifExists().execute();
}
