/**
 * The embedding function the retrieval code calls: texts in, one vector each out, on the configured default
 * embedding target (`embeddings: {engine, model}`) through the router and its policies. Texts are sent in batches
 * within `embeddings.maxInputs` and `maxInputBytes`, one batch at a time, so a large ingestion never builds one
 * huge upstream request. Not metered: it serves the gateway's own work, not a caller's request.
 */
import type { EmbeddingsConfig } from "../config/embeddingsSchema.js";
import { GatewayError } from "../errors.js";
import type { Router } from "./createRouter.js";

export type Embedder = (texts: readonly string[], signal: AbortSignal) => Promise<number[][]>;

export function createEmbedder(router: Router | (() => Router), config: { embeddings: Readonly<EmbeddingsConfig> }): Embedder {
  const current = typeof router === "function" ? router : () => router;
  const { maxInputs, maxInputBytes } = config.embeddings;
  return async (texts, signal) => {
    if (config.embeddings.engine === undefined) {
      throw new GatewayError("engine_unavailable", "no embedding model is configured: set `embeddings: {engine, model}` in the config file");
    }
    const { engine, model } = config.embeddings;
    const target = model === undefined ? engine : `${engine}/${model}`;
    const vectors: number[][] = [];
    for (const batch of batches(texts, maxInputs, maxInputBytes)) {
      signal.throwIfAborted();
      // Planned per batch: a reload between batches moves the rest to the new configuration.
      const routerNow = current();
      const { result } = await routerNow.embed(routerNow.planForEmbedding(target), { input: batch }, { signal });
      vectors.push(...result.vectors);
    }
    return vectors;
  };
}

function* batches(texts: readonly string[], maxInputs: number, maxBytes: number): Generator<string[]> {
  let batch: string[] = [];
  let bytes = 0;
  for (const text of texts) {
    const size = Buffer.byteLength(text);
    if (batch.length > 0 && (batch.length >= maxInputs || bytes + size > maxBytes)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(text);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}
