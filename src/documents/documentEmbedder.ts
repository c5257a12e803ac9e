/**
 * Embeddings as retrieval uses them: the configured embedding target's name (stored with every vector, so vectors of
 * another model are never compared) and unit vectors, checked for shape. An engine failure rejects with the engine's
 * own error (engine_unavailable, engine_timeout, upstream_error…); an answer that cannot be used — too few vectors,
 * mixed sizes, a zero vector — is upstream_error.
 */
import type { EmbeddingsConfig } from "../config/embeddingsSchema.js";
import { GatewayError } from "../errors.js";
import type { Embedder } from "../routing/createEmbedder.js";
import { unitVector } from "../store/vectorIndex.js";

export interface DocumentEmbedder {
  /** The embedding target as configured: `engine/model`, or the engine or route name alone. */
  readonly model: string;
  /** One unit vector per text, in order, all of one size. */
  embed(texts: readonly string[], signal: AbortSignal): Promise<Float32Array[]>;
}

/** Undefined when no embedding target is configured: retrieval is then full-text only. */
export function createDocumentEmbedder(embed: Embedder, embeddings: Pick<EmbeddingsConfig, "engine" | "model">): DocumentEmbedder | undefined {
  if (embeddings.engine === undefined) return undefined;
  const model = embeddings.model === undefined ? embeddings.engine : `${embeddings.engine}/${embeddings.model}`;
  return {
    model,
    async embed(texts, signal) {
      if (texts.length === 0) return [];
      const raw = await embed(texts, signal);
      if (raw.length !== texts.length) throw unusable(`${raw.length} vectors for ${texts.length} texts`);
      const dims = raw[0]?.length ?? 0;
      return raw.map((values, i) => {
        if (values.length !== dims) throw unusable(`vectors of ${dims} and ${values.length} dimensions in one answer`);
        const unit = unitVector(values);
        if (unit === undefined) throw unusable(`the vector of input ${i} is zero or not finite`);
        return unit;
      });
    },
  };

  function unusable(detail: string): GatewayError {
    return new GatewayError("upstream_error", `the embedding model ${model} gave an unusable answer: ${detail}`, { retryable: true });
  }
}
