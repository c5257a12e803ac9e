/**
 * The semantic cache's scan on SQLite: sqlite-vec's `vec_distance_cosine` over the float32 blobs of the newest live
 * entries of one scope (walked newest first through the scope index), the best one joined back to its answer. On a
 * database file the scan runs on the scan thread, so a large scope never holds the event loop.
 */
import { sql } from "kysely";
import type { ScanThread } from "./createScanThread.js";
import type { SemanticMatch, SemanticSearch } from "./semanticCacheStore.js";

export function sqliteSemanticSearch(scan?: ScanThread): SemanticSearch {
  return {
    backend: "sqlite-vec",
    encode: blobOf,
    async nearest(db, query) {
      const compiled = sql<SemanticMatch>`
        select s.id as "id", b.similarity as "similarity", s.model as "model", s.answer as "answer", s.expires_at as "expiresAt"
          from (
            select id, created_at, 1 - vec_distance_cosine(embedding, ${blobOf(query.vector)}) as similarity
              from (
                select id, created_at, embedding from semantic_cache
                 where scope = ${query.scope} and embedding_model = ${query.embeddingModel} and dims = ${query.vector.length} and expires_at > ${query.now}
                 order by created_at desc
                 limit ${query.maxCandidates}
              )
             order by similarity desc, created_at desc
             limit 1
          ) b
          join semantic_cache s on s.id = b.id`;
      let rows: SemanticMatch[];
      if (scan === undefined) rows = (await compiled.execute(db)).rows;
      else {
        const { sql: text, parameters } = compiled.compile(db);
        rows = await scan.all<SemanticMatch>(text, parameters);
      }
      const row = rows[0];
      return row === undefined ? undefined : { ...row, id: Number(row.id), similarity: Number(row.similarity), expiresAt: Number(row.expiresAt) };
    },
    async close() {
      await scan?.close();
    },
  };
}

function blobOf(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}
