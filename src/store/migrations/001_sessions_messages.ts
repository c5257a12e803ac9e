import { sql, type Kysely } from "kysely";

// Migrations see the database as it was when they were written, not as schema.ts describes it today.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("project_id", "text")
    .addColumn("title", "text")
    .addColumn("engine", "text")
    .addColumn("model", "text")
    .addColumn("message_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("active", "integer", (c) => c.notNull().defaultTo(1).check(sql`active in (0, 1)`))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();

  // Serves "active sessions of a user, newest first" and its keyset continuation without a sort.
  await db.schema
    .createIndex("sessions_user_active_updated_idx")
    .on("sessions")
    .columns(["user_id", "active", "updated_at desc", "id"])
    .execute();

  await db.schema
    .createTable("messages")
    .addColumn("id", "text", (c) => c.primaryKey())
    // Sessions are deactivated, not deleted; the cascade is for retention jobs that purge them for good.
    .addColumn("session_id", "text", (c) => c.notNull().references("sessions.id").onDelete("cascade"))
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('system', 'user', 'assistant', 'tool')`))
    .addColumn("content", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("tool_calls", "text")
    .addColumn("tool_call_id", "text")
    .addColumn("engine", "text")
    .addColumn("model", "text")
    .addColumn("trace_id", "text")
    .addColumn("input_tokens", "integer")
    .addColumn("output_tokens", "integer")
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('complete', 'incomplete')`))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  // Also the index behind the foreign key and every history read (ordered by seq).
  await db.schema
    .createIndex("messages_session_seq_idx")
    .on("messages")
    .columns(["session_id", "seq"])
    .unique()
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("messages").execute();
  await db.schema.dropTable("sessions").execute();
}
