/**
 * Retrieval over documents: how many results a search returns by default and, with an embedding model configured
 * (`embeddings: {engine, model}`), how vector and full-text rankings are combined.
 */
import { z } from "zod";

export const retrievalSchema = z
  .object({
    /** Results a search returns when the caller names no topK. */
    topK: z.number().int().min(1).max(100).default(5),
    /** Cosine similarity a chunk needs to count as a vector match (0..1; 0.7 keeps clearly related text). */
    vectorThreshold: z.number().min(0).max(1).default(0.7),
    /** The k of reciprocal rank fusion: each ranking adds 1 / (rrfK + rank); larger values flatten the head of the lists. */
    rrfK: z.number().int().min(1).max(10_000).default(60),
    /** How deep each ranking (full-text, vector) is read before fusion; at least topK is read. */
    candidates: z.number().int().min(1).max(1000).default(50),
  })
  .strict();

export type RetrievalConfig = z.infer<typeof retrievalSchema>;
