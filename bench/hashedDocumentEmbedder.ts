/**
 * An in-process embedding model for the retrieval benchmark: the mock upstream's feature-hashed bag of words at 384
 * dimensions (the size of small sentence-embedding models), so vectors are written and scanned through the real
 * store without an HTTP round trip per batch.
 */
import type { DocumentEmbedder } from "../src/documents/documentEmbedder.js";
import { unitVector } from "../src/store/vectorIndex.js";
import { hashedEmbedding } from "../test/support/hashedEmbedding.js";

export const BENCH_DIMENSIONS = 384;

export function hashedDocumentEmbedder(dimensions = BENCH_DIMENSIONS): DocumentEmbedder {
  return {
    model: `bench/hashed-${dimensions}`,
    async embed(texts, signal) {
      signal.throwIfAborted();
      return texts.map((text) => unitVector(hashedEmbedding(text, { dimensions })) ?? new Float32Array(dimensions));
    },
  };
}
