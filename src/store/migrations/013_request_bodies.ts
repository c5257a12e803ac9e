import { sql, type Kysely } from "kysely";

// Migrations see the database as it was when they were written, not as schema.ts describes it today.
export async function up(db: Kysely<unknown>): Promise<void> {
  // The prompt and answer of a request, kept only while requestLog.bodies is on (scrubbed and cut to
  // requestLog.maxChars before they are written). An id of its own: a retried chat job logs its request again.
  await db.schema
    .createTable("request_bodies")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("request_id", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    // JSON text of the request as the pipeline saw it (messages, tools, settings), or its first maxChars when cut.
    .addColumn("request", "text", (c) => c.notNull())
    .addColumn("answer", "text", (c) => c.notNull())
    // JSON text of ToolCall[]; null when the answer called no tool.
    .addColumn("tool_calls", "text")
    .addColumn("truncated", "integer", (c) => c.notNull().defaultTo(0).check(sql`truncated in (0, 1)`))
    .execute();
  // The request detail reads one request's latest bodies; retention takes the oldest first.
  await db.schema.createIndex("request_bodies_request_idx").on("request_bodies").columns(["request_id", "created_at"]).execute();
  await db.schema.createIndex("request_bodies_created_idx").on("request_bodies").columns(["created_at", "id"]).execute();
  // The request detail also finds the request's ledger row; 012 may already have made this index.
  await db.schema.createIndex("usage_ledger_request_idx").ifNotExists().on("usage_ledger").columns(["request_id"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // usage_ledger_request_idx stays: 012 owns it too, and dropping it here would undo that migration's work.
  await db.schema.dropTable("request_bodies").execute();
}
