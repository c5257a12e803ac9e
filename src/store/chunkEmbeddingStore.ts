/**
 * The vector side of the document store: searching chunk vectors, and the bookkeeping that keeps them in step with
 * the configured embedding model (how many chunks it covers, which ones another model or none embedded, writing
 * their new vectors). Document writes put vectors in with the chunks; these serve the search and re-embedding.
 */
import type { Kysely } from "kysely";
import { GatewayError } from "../errors.js";
import type { Database } from "./schema.js";
import type { DocumentStore } from "./documents.js";
import type { VectorIndex } from "./vectorIndex.js";

type ChunkEmbeddingStore = Pick<DocumentStore, "vectorSearch" | "searchVectors" | "embeddingCoverage" | "chunksToEmbed" | "writeEmbeddings">;

export function chunkEmbeddingStore(db: Kysely<Database>, vectors: VectorIndex | undefined): ChunkEmbeddingStore {
  return {
    vectorSearch: vectors !== undefined,

    async searchVectors(query, filter, limit) {
      if (vectors === undefined) throw new GatewayError("invalid_request", "this store cannot search vectors", { param: "mode" });
      return vectors.search(db, query, filter, limit);
    },

    async embeddingCoverage(model) {
      const row = await db
        .selectFrom("document_chunks as c")
        .leftJoin("document_chunk_embeddings as e", "e.chunk_id", "c.id")
        .select((eb) => [
          eb.fn.countAll<number>().as("chunks"),
          eb.fn.count<number>("e.chunk_id").as("embedded"),
          eb.fn.sum<number>(eb.case().when("e.model", "=", model).then(1).else(0).end()).as("current"),
        ])
        .executeTakeFirstOrThrow();
      const chunks = Number(row.chunks);
      const embedded = Number(row.embedded);
      const current = Number(row.current ?? 0);
      return { chunks, current, otherModel: embedded - current, missing: chunks - embedded };
    },

    async chunksToEmbed(model, afterChunkId, limit) {
      const rows = await db
        .selectFrom("document_chunks as c")
        .innerJoin("documents as d", "d.id", "c.document_id")
        .leftJoin("document_chunk_embeddings as e", "e.chunk_id", "c.id")
        .select(["c.id as chunkId", "d.title as title", "c.heading_path as headingPath", "c.text as text"])
        .where("c.id", ">", afterChunkId)
        .where((eb) => eb.or([eb("e.chunk_id", "is", null), eb("e.model", "!=", model)]))
        .orderBy("c.id")
        .limit(limit)
        .execute();
      return rows.map((row) => ({ ...row, chunkId: Number(row.chunkId) }));
    },

    async writeEmbeddings(model, rows) {
      if (vectors === undefined) throw new Error("this store keeps no chunk vectors");
      if (rows.length === 0) return 0;
      return db.transaction().execute(async (trx) => {
        const existing = await trx
          .selectFrom("document_chunks")
          .select("id")
          .where("id", "in", rows.map((row) => row.chunkId))
          .execute();
        const alive = new Set(existing.map((row) => Number(row.id)));
        const kept = rows.filter((row) => alive.has(row.chunkId));
        await vectors.write(trx, model, kept);
        return kept.length;
      });
    },
  };
}
