import { sql, type Kysely } from "kysely";

// Migrations see the database as it was when they were written, not as schema.ts describes it today.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("webhook_subscriptions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("secret", "text", (c) => c.notNull())
    // JSON text of the event names: read whole, never queried into.
    .addColumn("events", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("webhook_deliveries")
    .addColumn("id", "text", (c) => c.primaryKey())
    // No foreign key: configuration subscriptions (`config:<n>`) have no row, and deliveries outlive deletions.
    .addColumn("subscription_id", "text", (c) => c.notNull())
    .addColumn("event", "text", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('pending', 'delivered', 'failed')`))
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_status", "integer")
    .addColumn("last_error", "text")
    .addColumn("next_attempt_at", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("delivered_at", "bigint")
    .execute();

  await db.schema.createIndex("webhook_deliveries_created_idx").on("webhook_deliveries").columns(["created_at", "id"]).execute();
  await db.schema
    .createIndex("webhook_deliveries_subscription_created_idx")
    .on("webhook_deliveries")
    .columns(["subscription_id", "created_at"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("webhook_deliveries").execute();
  await db.schema.dropTable("webhook_subscriptions").execute();
}
