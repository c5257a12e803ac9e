import type { LlamaEmbeddingContext } from "node-llama-cpp";
import type { LocalEngineConfig } from "../../config/schema.js";
import { GatewayError } from "../../errors.js";
import type { EmbeddingCapability, EmbeddingRequest, EmbeddingResult } from "../spec.js";
import { abortErrorFrom } from "../../abort.js";
import type { LoadedModel } from "./loadLocalModel.js";

export interface LocalEmbeddingsDeps {
  /** The loaded model once it is ready; throws engine_unavailable (or an AbortError) otherwise. */
  ready(signal: AbortSignal): Promise<LoadedModel>;
}

export interface LocalEmbeddings extends EmbeddingCapability {
  /** Waits for embeddings in progress, then releases the embedding context. */
  close(): Promise<void>;
}

/**
 * Embeddings from the loaded GGUF through a node-llama-cpp embedding context of its own, created on first use
 * (it costs memory only once someone embeds). A model whose GGUF declares a pooling type (embedding models)
 * gives its pooled sequence embedding; any other model gives the hidden state after the last input token, of the
 * model's embedding size. Vectors are as llama.cpp returns them, not normalized.
 *
 * llama.cpp cannot stop one input half-way, so a fired signal is honoured between inputs.
 */
export function createLocalEmbeddings(config: LocalEngineConfig, deps: LocalEmbeddingsDeps): LocalEmbeddings {
  let context: Promise<LlamaEmbeddingContext> | undefined;
  const running = new Set<Promise<unknown>>();
  let closed = false;

  const contextFor = (loaded: LoadedModel): Promise<LlamaEmbeddingContext> => {
    context ??= loaded.model
      .createEmbeddingContext({
        contextSize: loaded.model.trainContextSize > 0 ? Math.min(config.contextSize, loaded.model.trainContextSize) : config.contextSize,
        threads: config.threads,
      })
      .catch((error: unknown) => {
        context = undefined;
        throw new GatewayError("engine_unavailable", `engine ${config.name} cannot create an embedding context: ${messageOf(error)}`, {
          retryable: true,
          cause: error,
        });
      });
    return context;
  };

  async function run(request: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResult> {
    const loaded = await deps.ready(signal);
    const size = loaded.model.embeddingVectorSize;
    if (request.dimensions !== undefined && request.dimensions !== size) {
      throw new GatewayError("invalid_request", `model ${config.modelName} makes vectors of ${size} dimensions; it cannot make ${request.dimensions}`, {
        param: "dimensions",
      });
    }
    const embedder = await contextFor(loaded);
    const vectors: number[][] = [];
    let inputTokens = 0;
    for (const [index, text] of (request.input as string[]).entries()) {
      if (signal.aborted) throw abortErrorFrom(signal);
      if (closed) throw new GatewayError("engine_unavailable", `engine ${config.name} is closed`, { retryable: true });
      const length = embedder.calculateInputLength(text);
      if (length === 0) throw new GatewayError("invalid_request", `input ${index} is empty`, { param: "input" });
      // One position is kept free: llama.cpp evaluates the input and needs room for the token after it.
      if (length >= config.contextSize || length >= loaded.model.trainContextSize) {
        throw new GatewayError("invalid_request", `input ${index} is ${length} tokens; model ${config.modelName} embeds fewer than ${Math.min(config.contextSize, loaded.model.trainContextSize)}`, {
          param: "input",
        });
      }
      let embedding;
      try {
        embedding = await embedder.getEmbeddingFor(text);
      } catch (error) {
        throw new GatewayError("engine_unavailable", `engine ${config.name} failed to embed: ${messageOf(error)}`, { retryable: true, cause: error });
      }
      vectors.push([...embedding.vector]);
      inputTokens += length;
    }
    return { vectors, model: config.modelName, usage: { inputTokens } };
  }

  return {
    embeddingModels: Object.freeze([config.modelName]),
    embeddingTokenInput: false,
    async embed(request, signal) {
      if (request.input.some((item) => typeof item !== "string")) {
        throw new GatewayError("invalid_request", `engine ${config.name} takes text input only, not token arrays`, { param: "input" });
      }
      if (signal.aborted) throw abortErrorFrom(signal);
      const work = run(request, signal);
      running.add(work);
      try {
        return await work;
      } finally {
        running.delete(work);
      }
    },
    async close() {
      closed = true;
      await Promise.allSettled([...running]);
      const current = await context?.catch(() => undefined);
      if (current && !current.disposed) await current.dispose();
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
