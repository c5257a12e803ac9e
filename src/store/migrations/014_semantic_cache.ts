import { PostgresAdapter, sql, type Kysely } from "kysely";

// Migrations see the database as it was when they were written, not as schema.ts describes it today.
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  // The semantic cache's entries: a request's embedding under its scope (a hash of the tenant, the route, the system
  // prompt, the tools, the temperature band and whatever else must match exactly), with the answer it got. The
  // columns a lookup reads come first and the answer last: SQLite reads a row's columns in order, so a scan that
  // scores embeddings never walks into a long answer's overflow pages.
  await db.schema
    .createTable("semantic_cache")
    .addColumn("id", postgres ? "bigserial" : "integer", (c) => c.primaryKey())
    .addColumn("scope", "text", (c) => c.notNull())
    // The embedding target that made the vector: vectors of another model (or size) are never compared with it.
    .addColumn("embedding_model", "text", (c) => c.notNull())
    .addColumn("dims", "integer", (c) => c.notNull().check(sql`dims > 0`))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    // A unit vector: SQLite float32 little-endian bytes (what sqlite-vec reads), PostgreSQL real[].
    .addColumn("embedding", postgres ? sql`real[]` : "blob", (c) => c.notNull())
    // Kept in the clear beside the scope hash, for invalidation by tenant, route or model, and by API key.
    .addColumn("tenant", "text", (c) => c.notNull())
    .addColumn("route", "text", (c) => c.notNull())
    .addColumn("key_id", "text")
    // The `engine/model` that produced the answer.
    .addColumn("model", "text", (c) => c.notNull())
    // JSON text of the collected response (text, tool calls, finish reason, usage).
    .addColumn("answer", "text", (c) => c.notNull())
    .execute();
  // A lookup takes the newest live entries of one scope and model; the purge takes expired ones.
  await db.schema.createIndex("semantic_cache_scope_idx").on("semantic_cache").columns(["scope", "embedding_model", "created_at"]).execute();
  await db.schema.createIndex("semantic_cache_expires_idx").on("semantic_cache").columns(["expires_at"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("semantic_cache").execute();
}
