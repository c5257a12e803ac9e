/**
 * The vector side of document chunks: where a chunk's embedding is kept and how the nearest ones are found. One seam
 * per backend — sqlite-vec's distance function over a plain table on SQLite, an exact scan with a SQL dot product
 * over real[] on PostgreSQL — so an approximate index (pgvector's HNSW, sqlite-vec's vec0) can take the place of
 * an exact scan without the store or the retriever changing. Vectors are stored unit length, so cosine similarity
 * is their dot product.
 *
 * Every search names its model and dimensions: embeddings another model made are never compared with the query.
 * Visibility filters are part of the scan, so the top `limit` are taken over what the caller may see.
 */
import type { Kysely, Transaction } from "kysely";
import type { Database } from "./schema.js";
import type { LexicalFilter } from "./lexicalIndex.js";

export interface ChunkVector {
  chunkId: number;
  vector: Float32Array;
}

export interface VectorQuery {
  /** The embedding target that made the query vector; only chunks embedded by it are compared. */
  model: string;
  /** Unit length. */
  vector: Float32Array;
  /** Cosine similarity below which a chunk is not returned (-1..1). */
  minSimilarity: number;
}

export interface VectorHit {
  chunkId: number;
  documentId: string;
  title: string;
  text: string;
  headingPath: string;
  /** Cosine similarity with the query, -1..1. */
  similarity: number;
}

export interface VectorIndex {
  readonly backend: "sqlite-vec" | "postgres-exact";
  /** Writes (or overwrites) the vectors of chunks, inside the caller's transaction. */
  write(trx: Transaction<Database>, model: string, vectors: readonly ChunkVector[]): Promise<void>;
  /** The nearest `limit` visible chunks at or above the query's minimum similarity, best first (ties by chunk id). */
  search(db: Kysely<Database>, query: VectorQuery, filter: LexicalFilter, limit: number): Promise<VectorHit[]>;
  /** Releases what the index holds besides the store's connections (a scan thread). */
  close?(): Promise<void>;
}

/** The vector scaled to unit length; undefined for a zero or non-finite vector, which has no direction to compare. */
export function unitVector(values: readonly number[]): Float32Array | undefined {
  let norm = 0;
  for (const value of values) norm += value * value;
  norm = Math.sqrt(norm);
  if (!Number.isFinite(norm) || norm === 0) return undefined;
  const unit = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) unit[i] = (values[i] ?? 0) / norm;
  return unit;
}
