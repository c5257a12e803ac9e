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
      const { rows } = await sql<VectorHit>`
        select c.id as "chunkId", c.document_id as "documentId", d.title as "title", c.text as "text",
               c.heading_path as "headingPath", switchyard_dot(e.embedding, ${Array.from(query.vector)}::real[]) as "similarity"
          from document_chunk_embeddings e
          join document_chunks c on c.id = e.chunk_id
          join documents d on d.id = c.document_id
         where e.model = ${query.model} and e.dims = ${query.vector.length}${visibilityFilter(filter)}
         order by "similarity" desc, c.id
         limit ${limit}`.execute(db);
      // Top-k then the threshold gives what threshold then top-k would (the order is by similarity).
      return rows
        .map((row) => ({ ...row, chunkId: Number(row.chunkId), similarity: Number(row.similarity) }))
        .filter((row) => row.similarity >= query.minSimilarity);
    },
  };
}
