/** The semantic_cache row, as stored (migration 014): one request's embedding under its scope, and its answer. */
import type { Generated } from "kysely";

export interface SemanticCacheTable {
  id: Generated<number>;
  /** Hash of everything that must match exactly for the entry to answer a request (see cache/semanticScope). */
  scope: string;
  /** The embedding target that made the vector. */
  embedding_model: string;
  dims: number;
  /** Epoch ms. */
  created_at: number;
  expires_at: number;
  /** A unit vector: SQLite float32 little-endian bytes, PostgreSQL real[]. */
  embedding: Buffer | number[];
  tenant: string;
  route: string;
  key_id: string | null;
  /** The `engine/model` that produced the answer. */
  model: string;
  /** JSON text of the collected response. */
  answer: string;
}
