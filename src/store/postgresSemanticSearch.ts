/**
 * The semantic cache's scan on PostgreSQL without extensions: the newest live entries of one scope (through the
 * scope index) in a materialized CTE, scored with `switchyard_dot` (migration 010: cosine similarity of unit
 * vectors), the best joined back to its answer. pgvector would replace this file: a vector column and `<=>`.
 */
import { sql } from "kysely";
import type { SemanticMatch, SemanticSearch } from "./semanticCacheStore.js";

export function postgresSemanticSearch(): SemanticSearch {
  return {
    backend: "postgres-exact",
    // node-postgres sends a Float32Array as bytea; a plain array becomes an array literal.
    encode: (vector) => Array.from(vector),
    async nearest(db, query) {
      const { rows } = await sql<SemanticMatch>`
        with candidates as materialized (
          select id, created_at, embedding from semantic_cache
           where scope = ${query.scope} and embedding_model = ${query.embeddingModel} and dims = ${query.vector.length} and expires_at > ${query.now}
           order by created_at desc
           limit ${query.maxCandidates}
        ), best as (
          select id, created_at, switchyard_dot(embedding, ${Array.from(query.vector)}::real[]) as similarity
            from candidates
           order by similarity desc, created_at desc
           limit 1
        )
        select s.id as "id", b.similarity as "similarity", s.model as "model", s.answer as "answer", s.expires_at as "expiresAt"
          from best b
          join semantic_cache s on s.id = b.id`.execute(db);
      const row = rows[0];
      return row === undefined ? undefined : { ...row, id: Number(row.id), similarity: Number(row.similarity), expiresAt: Number(row.expiresAt) };
    },
    async close() {},
  };
}
