/**
 * The full-text side of document chunks, the one place where the dialects differ: SQLite keeps an FTS5 table
 * (rowid = chunk id) ranked with bm25(); PostgreSQL keeps a tsvector column on the chunk (GIN-indexed) ranked with
 * ts_rank_cd. Both rank title matches above heading matches above body matches. Visibility filters (project,
 * type, access level) are part of the query, so top-k is taken over what the caller may see, never cut first
 * and filtered after.
 */
import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "./schema.js";
import { visibilityFilter } from "./visibilityFilter.js";

export type Dialect = "sqlite" | "postgres";

export interface LexicalFilter {
  projectId?: string | undefined;
  type?: string | undefined;
  /** Highest access level the caller may read; undefined: every level (admins). */
  maxAccessLevel?: number | undefined;
}

export interface LexicalHit {
  chunkId: number;
  documentId: string;
  title: string;
  text: string;
  headingPath: string;
  /** The dialect's own relevance, higher is better (SQLite: -bm25; PostgreSQL: ts_rank_cd). Not comparable across dialects. */
  raw: number;
}

/** Adds the full-text entries of every chunk of a document (after its chunks were inserted). */
export async function indexChunks(trx: Transaction<Database>, dialect: Dialect, documentId: string, title: string): Promise<void> {
  if (dialect === "sqlite") {
    await sql`insert into document_chunks_fts (rowid, title, heading, text)
      select id, ${title}, heading_path, text from document_chunks where document_id = ${documentId}`.execute(trx);
    return;
  }
  await sql`update document_chunks
      set search = setweight(to_tsvector('english', ${title}), 'A')
        || setweight(to_tsvector('english', heading_path), 'B')
        || to_tsvector('english', text)
      where document_id = ${documentId}`.execute(trx);
}

/** Removes the full-text entries of a document's chunks (before the chunks themselves go). */
export async function unindexChunks(trx: Transaction<Database>, dialect: Dialect, documentId: string): Promise<void> {
  // PostgreSQL's entries live on the chunk rows and go with them.
  if (dialect === "postgres") return;
  await sql`delete from document_chunks_fts where rowid in (select id from document_chunks where document_id = ${documentId})`.execute(trx);
}

/** The best `limit` chunks for the terms (any of them), best first. Terms are plain words (letters and digits). */
export async function lexicalSearch(
  db: Kysely<Database>,
  dialect: Dialect,
  terms: readonly string[],
  filter: LexicalFilter,
  limit: number,
): Promise<LexicalHit[]> {
  if (terms.length === 0) return [];
  const visible = visibilityFilter(filter);

  if (dialect === "sqlite") {
    // Quoted terms are strings to FTS5, never operators or column filters.
    const match = terms.map((term) => `"${term}"`).join(" OR ");
    const { rows } = await sql<LexicalHit>`
      select c.id as "chunkId", c.document_id as "documentId", d.title as "title", c.text as "text",
             c.heading_path as "headingPath", -bm25(document_chunks_fts, 3.0, 1.5, 1.0) as "raw"
        from document_chunks_fts f
        join document_chunks c on c.id = f.rowid
        join documents d on d.id = c.document_id
       where document_chunks_fts match ${match}${visible}
       order by "raw" desc, c.id
       limit ${limit}`.execute(db);
    return rows;
  }
  // OR of the words; to_tsquery stems them and drops stop words as the index did.
  const query = terms.join(" | ");
  const { rows } = await sql<LexicalHit>`
    select c.id as "chunkId", c.document_id as "documentId", d.title as "title", c.text as "text",
           c.heading_path as "headingPath", ts_rank_cd('{0.1, 0.2, 0.5, 1.0}', c.search, q, 1) as "raw"
      from document_chunks c
      join documents d on d.id = c.document_id
      cross join to_tsquery('english', ${query}) q
     where c.search @@ q${visible}
     order by "raw" desc, c.id
     limit ${limit}`.execute(db);
  return rows.map((row) => ({ ...row, raw: Number(row.raw) }));
}
