import { sql, type Kysely } from "kysely";

// Migrations see the database as it was when they were written, not as schema.ts describes it today.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("chat_jobs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("key_id", "text")
    // JSON text of the caller as authenticated at submission: the generation runs later, maybe on another replica.
    .addColumn("principal", "text", (c) => c.notNull())
    // JSON text of the chat-completions body.
    .addColumn("request", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('queued', 'running', 'completed', 'failed')`))
    .addColumn("result", "text")
    .addColumn("error_code", "text")
    .addColumn("error_message", "text")
    .addColumn("trace_id", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("started_at", "bigint")
    .addColumn("completed_at", "bigint")
    .execute();
  // Recovery at start looks up the jobs a stopped process left queued or running.
  await db.schema.createIndex("chat_jobs_status_created_idx").on("chat_jobs").columns(["status", "created_at"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("chat_jobs").execute();
}
