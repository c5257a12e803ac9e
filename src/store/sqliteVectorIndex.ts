/**
 * Chunk vectors on SQLite: float32 blobs in a plain table, scored with sqlite-vec's `vec_distance_cosine` in one
 * exact scan over the visible chunks of the query's model. A plain table (not a vec0 virtual table) because its
 * dimension is fixed per table while models come and go, and because the visibility filters then join as they do
 * for full-text search. With a scan thread (a database file), scans run there on a connection of their own, so a
 * scan over many chunks does not hold the event loop; writes stay in the caller's transaction.
 */
import { sql } from "kysely";
import type { ChunkVector, VectorHit, VectorIndex } from "./vectorIndex.js";
import { visibilityFilter } from "./visibilityFilter.js";
import type { ScanThread } from "./createScanThread.js";

// Four parameters a row: far below SQLite's 32,766.
const WRITE_BATCH = 500;

export function sqliteVectorIndex(scan?: ScanThread): VectorIndex {
  return {
    backend: "sqlite-vec",

    async write(trx, model, vectors) {
      for (let start = 0; start < vectors.length; start += WRITE_BATCH) {
        const batch = vectors.slice(start, start + WRITE_BATCH);
        await trx
          .insertInto("document_chunk_embeddings")
          .values(batch.map((row) => ({ chunk_id: row.chunkId, model, dims: row.vector.length, embedding: blobOf(row) })))
          .onConflict((conflict) =>
            conflict.column("chunk_id").doUpdateSet((eb) => ({ model: eb.ref("excluded.model"), dims: eb.ref("excluded.dims"), embedding: eb.ref("excluded.embedding") })),
          )
          .execute();
      }
    },

    async search(db, vectorQuery, filter, limit) {
      const query = sql<VectorHit>`
        select c.id as "chunkId", c.document_id as "documentId", d.title as "title", c.text as "text",
               c.heading_path as "headingPath", 1 - vec_distance_cosine(e.embedding, ${blobOf({ vector: vectorQuery.vector })}) as "similarity"
          from document_chunk_embeddings e
          join document_chunks c on c.id = e.chunk_id
          join documents d on d.id = c.document_id
         where e.model = ${vectorQuery.model} and e.dims = ${vectorQuery.vector.length}${visibilityFilter(filter)}
         order by "similarity" desc, c.id
         limit ${limit}`;
      let rows: VectorHit[];
      if (scan === undefined) rows = (await query.execute(db)).rows;
      else {
        const compiled = query.compile(db);
        rows = await scan.all<VectorHit>(compiled.sql, compiled.parameters);
      }
      // Top-k then the threshold gives what threshold then top-k would (the order is by similarity), with the
      // distance computed once a row.
      return rows.filter((row) => row.similarity >= vectorQuery.minSimilarity);
    },

    async close() {
      await scan?.close();
    },
  };
}

function blobOf(row: Pick<ChunkVector, "vector">): Buffer {
  return Buffer.from(row.vector.buffer, row.vector.byteOffset, row.vector.byteLength);
}
