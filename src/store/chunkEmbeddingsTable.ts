/** One embedding per document chunk (migration 010). */
export interface DocumentChunkEmbeddingsTable {
  chunk_id: number;
  /** The embedding target that made it; vectors of another model are never compared with it. */
  model: string;
  dims: number;
  /** A unit vector: SQLite float32 little-endian bytes, PostgreSQL real[]. */
  embedding: Buffer | number[];
}
