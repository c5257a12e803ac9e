import { sql, type Kysely } from "kysely";

// Migrations see the database as it was when they were written, not as schema.ts describes it today.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("experiments")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('running', 'paused', 'stopped')`))
    // "auto": session-chat requests that name no engine; otherwise the engine or route name a request names.
    .addColumn("applies_to", "text", (c) => c.notNull().defaultTo("auto"))
    .addColumn("assign_by", "text", (c) => c.notNull().defaultTo("user").check(sql`assign_by in ('user', 'session')`))
    // JSON text of Variant[]: read and written whole, never queried into.
    .addColumn("variants", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();

  // Serves "the newest running experiment for this target", asked on every session chat request.
  await db.schema
    .createIndex("experiments_applies_status_created_idx")
    .on("experiments")
    .columns(["applies_to", "status", "created_at desc"])
    .execute();

  // One column per statement: SQLite's ALTER TABLE adds a single column at a time.
  const columns: Array<[name: string, type: "integer" | "text" | "double precision" | "bigint"]> = [
    ["ttft_ms", "integer"],
    ["latency_ms", "integer"],
    ["error_code", "text"],
    ["experiment_id", "text"],
    ["variant", "text"],
    ["feedback_score", "double precision"],
    ["feedback_at", "bigint"],
  ];
  for (const [name, type] of columns) {
    await db.schema.alterTable("messages").addColumn(name, type).execute();
  }

  // Results read every message of one experiment, grouped by variant. No foreign key: results outlive edits and
  // messages must never fail to save because an experiment was removed by hand.
  await db.schema.createIndex("messages_experiment_variant_idx").on("messages").columns(["experiment_id", "variant"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("messages_experiment_variant_idx").execute();
  for (const name of ["feedback_at", "feedback_score", "variant", "experiment_id", "error_code", "latency_ms", "ttft_ms"]) {
    await db.schema.alterTable("messages").dropColumn(name).execute();
  }
  await db.schema.dropTable("experiments").execute();
}
