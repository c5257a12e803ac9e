import type { Kysely } from "kysely";

// Migrations see the database as it was when they were written, not as schema.ts describes it today.
export async function up(db: Kysely<unknown>): Promise<void> {
  // JSON text of the sources retrieval put into the turn's prompt (Citation[]); null when the turn had none.
  await db.schema.alterTable("messages").addColumn("citations", "text").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("messages").dropColumn("citations").execute();
}
