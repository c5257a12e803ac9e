import { PostgresAdapter, sql, type Kysely } from "kysely";

// Migrations see the database as it was when they were written, not as schema.ts describes it today.
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  // One embedding per chunk, with the model that made it: vectors of different models (or sizes) are never compared,
  // so a change of embedding model leaves the old vectors unused until the chunks are embedded again. A chunk that
  // goes (its document replaced or deleted) takes its vector with it.
  await db.schema
    .createTable("document_chunk_embeddings")
    .addColumn("chunk_id", postgres ? "bigint" : "integer", (c) => c.primaryKey().references("document_chunks.id").onDelete("cascade"))
    // The embedding target that made it, as configured (`engine/model`, or an engine or route name).
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("dims", "integer", (c) => c.notNull().check(sql`dims > 0`))
    // A unit vector: SQLite float32 little-endian bytes (what sqlite-vec reads), PostgreSQL real[].
    .addColumn("embedding", postgres ? sql`real[]` : "blob", (c) => c.notNull())
    .execute();
  // No index on the model: a search reads the visible chunks (documents by project, then their chunks) and looks
  // their vectors up by chunk id, and one on (model, dims) would lure a planner without statistics into walking
  // every vector of the model first.

  if (postgres) {
    // Cosine similarity of unit vectors is their dot product. Without an extension, PL/pgSQL is the fastest generic
    // loop; sixteen products per statement cut its per-statement cost. Parallel safe and costly, so the planner
    // spreads a large scan over workers.
    const unrolled = Array.from({ length: 16 }, (_, k) => `a[i + ${k}] * b[i + ${k}]`).join(" + ");
    await sql
      .raw(
        `create function switchyard_dot(a real[], b real[]) returns double precision
          language plpgsql immutable strict parallel safe cost 5000 as $$
        declare
          s double precision := 0;
          n integer := array_length(a, 1);
          i integer := 1;
        begin
          while i + 15 <= n loop
            s := s + (${unrolled});
            i := i + 16;
          end loop;
          while i <= n loop
            s := s + a[i] * b[i];
            i := i + 1;
          end loop;
          return s;
        end $$`,
      )
      .execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema.dropTable("document_chunk_embeddings").execute();
  if (postgres) await sql`drop function if exists switchyard_dot(real[], real[])`.execute(db);
}
