import { PostgresAdapter, sql, type Kysely } from "kysely";

// Migrations see the database as it was when they were written, not as schema.ts describes it today.
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  await db.schema
    .createTable("documents")
    .addColumn("id", "text", (c) => c.primaryKey())
    // The user who wrote it: the only one (besides admins) who may replace or delete it.
    .addColumn("owner_id", "text", (c) => c.notNull())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("content", "text", (c) => c.notNull())
    .addColumn("excerpt", "text", (c) => c.notNull())
    // 0 is public; a caller sees documents up to its own level.
    .addColumn("access_level", "integer", (c) => c.notNull().defaultTo(0).check(sql`access_level >= 0`))
    // sha256 of the content, so an update that changes nothing but metadata can be told apart (and for audits).
    .addColumn("content_hash", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  // The project listing, newest first, and the visibility filters of search (project, then access level).
  await db.schema.createIndex("documents_project_created_idx").on("documents").columns(["project_id", "created_at desc", "id"]).execute();

  // An integer key: SQLite's FTS5 rows are addressed by rowid, so chunks alias it (integer primary key) and the
  // full-text row of a chunk has the chunk's id. PostgreSQL gets an identity column of the same meaning.
  await db.schema
    .createTable("document_chunks")
    .addColumn("id", postgres ? "bigserial" : "integer", (c) => c.primaryKey())
    .addColumn("document_id", "text", (c) => c.notNull().references("documents.id").onDelete("cascade"))
    .addColumn("ordinal", "integer", (c) => c.notNull())
    .addColumn("text", "text", (c) => c.notNull())
    .addColumn("token_count", "integer", (c) => c.notNull())
    // The headings the chunk sits under, outermost first, joined with " > " ("" before the first heading).
    .addColumn("heading_path", "text", (c) => c.notNull())
    // Filled by the same transaction right after the insert (title, headings and text, weighted): see lexicalIndex.ts.
    .$call((table) => (postgres ? table.addColumn("search", sql`tsvector`) : table))
    .execute();
  await db.schema.createIndex("document_chunks_document_idx").on("document_chunks").columns(["document_id", "ordinal"]).unique().execute();

  await db.schema
    .createTable("document_references")
    .addColumn("from_id", "text", (c) => c.notNull().references("documents.id").onDelete("cascade"))
    .addColumn("to_id", "text", (c) => c.notNull().references("documents.id").onDelete("cascade"))
    .addPrimaryKeyConstraint("document_references_pkey", ["from_id", "to_id"])
    .execute();
  // The primary key walks references forward; this one walks them back (who cites a document).
  await db.schema.createIndex("document_references_to_idx").on("document_references").columns(["to_id", "from_id"]).execute();

  if (postgres) {
    await sql`create index document_chunks_search_idx on document_chunks using gin (search)`.execute(db);
  } else {
    // A full-text table of its own (title, headings, text), rowid = the chunk's id. Porter stemming, so "replicas"
    // finds "replica", as PostgreSQL's english configuration does.
    await sql`create virtual table document_chunks_fts using fts5(title, heading, text, tokenize = 'porter unicode61')`.execute(db);
  }

  // Documents are read by access level; keys carry the caller's level (null: 0, public only).
  await db.schema.alterTable("api_keys").addColumn("access_level", "integer").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema.alterTable("api_keys").dropColumn("access_level").execute();
  if (!postgres) await sql`drop table if exists document_chunks_fts`.execute(db);
  await db.schema.dropTable("document_references").execute();
  await db.schema.dropTable("document_chunks").execute();
  await db.schema.dropTable("documents").execute();
}
