/**
 * Chunk vectors on PostgreSQL without extensions: real[] columns, scored by an exact scan with `switchyard_dot`
 * (migration 010) over the visible chunks of the query's model. pgvector would replace this file: a vector
 * column, an HNSW index, and `<=>` in the same query shape.
 */
import { sql } from "kysely";
import type { VectorHit, VectorIndex } from "./vectorIndex.js";
import { visibilityFilter } from "./visibilityFilter.js";

const WRITE_BATCH = 500;

export function postgresVectorIndex(): VectorIndex {
  return {
    backend: "postgres-exact",

    async write(trx, model, vectors) {
      for (let start = 0; start < vectors.length; start += WRITE_BATCH) {
        const batch = vectors.slice(start, start + WRITE_BATCH);
        await trx
          .insertInto("document_chunk_embeddings")
          // node-postgres sends a Float32Array as bytea; a plain array becomes an array literal.
          .values(batch.map((row) => ({ chunk_id: row.chunkId, model, dims: row.vector.length, embedding: Array.from(row.vector) })))
          .onConflict((conflict) =>
            conflict.column("chunk_id").doUpdateSet((eb) => ({ model: eb.ref("excluded.model"), dims: eb.ref("excluded.dims"), embedding: eb.ref("excluded.embedding") })),
          )
          .execute();
      }
    },

    async search(db, query, filter, limit) {
      // Scored in a materialized CTE: fenced off from the outer ORDER BY … LIMIT, the planner filters first (by
      // project, type and level) and computes the dot product for the visible chunks only, in parallel workers;
      // left to itself it would score every vector of the model and filter while walking the sorted list. The top
      // k are sorted as (id, similarity) pairs before the text is joined, so the sort stays in memory.
      const { rows } = await sql<VectorHit>`
        with scored as materialized (
          select e.chunk_id, switchyard_dot(e.embedding, ${Array.from(query.vector)}::real[]) as similarity
            from documents d
            join document_chunks c on c.document_id = d.id
            join document_chunk_embeddings e on e.chunk_id = c.id
           where e.model = ${query.model} and e.dims = ${query.vector.length}${visibilityFilter(filter)}
        ), best as (
          select chunk_id, similarity from scored order by similarity desc, chunk_id limit ${limit}
        )
        select c.id as "chunkId", c.document_id as "documentId", d.title as "title", c.text as "text",
               c.heading_path as "headingPath", b.similarity as "similarity"
          from best b
          join document_chunks c on c.id = b.chunk_id
          join documents d on d.id = c.document_id
         order by b.similarity desc, c.id`.execute(db);
      // Top-k then the threshold gives what threshold then top-k would (the order is by similarity).
      return rows
        .map((row) => ({ ...row, chunkId: Number(row.chunkId), similarity: Number(row.similarity) }))
        .filter((row) => row.similarity >= query.minSimilarity);
    },
  };
}
