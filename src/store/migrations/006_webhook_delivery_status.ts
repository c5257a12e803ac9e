import type { Kysely } from "kysely";

// Migrations see the database as it was when they were written, not as schema.ts describes it today.
export async function up(db: Kysely<unknown>): Promise<void> {
  // Serves the deliveries listing filtered by status, newest first ("what is still pending or failed?"). Most
  // deliveries succeed, so without it the created_at index is read back to front past every delivered row to find
  // a page of pending ones; with id last, the order needs no sort either.
  await db.schema
    .createIndex("webhook_deliveries_status_created_idx")
    .on("webhook_deliveries")
    .columns(["status", "created_at", "id"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("webhook_deliveries_status_created_idx").execute();
}
