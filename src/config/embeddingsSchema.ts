/**
 * Embeddings: the engine fields that declare embedding models, the limits of POST /v1/embeddings, and the default
 * embedding target (`embeddings: { engine, model }`) that `model: "auto"` and the retrieval code use.
 */
import { z } from "zod";
import type { RouteConfig } from "./routeSchema.js";
import type { EngineConfig } from "./schema.js";

/** Fields of an `openai` engine. */
export const openAIEmbeddingFields = {
  /** Embedding model ids this upstream serves at `{baseUrl}/embeddings`. */
  embeddingModels: z.array(z.string().min(1)).default([]),
  /**
   * What the engine asks the upstream for: base64 (float32, about a quarter of the bytes of JSON numbers; what
   * OpenAI's own clients ask for) or float, for servers that refuse base64. Either answer is understood.
   */
  embeddingEncoding: z.enum(["base64", "float"]).default("base64"),
};

/** Fields of a `local` engine: `true` serves embeddings from the loaded model besides chat; `only`: no chat. */
export const localEmbeddingFields = {
  embeddings: z.union([z.boolean(), z.literal("only")]).default(false),
};

export const embeddingsSchema = z
  .object({
    /** The default embedding target: an engine (with `model`, else its first embedding model) or an embedding route. */
    engine: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    /** Inputs one request may carry (OpenAI's own limit is 2048). */
    maxInputs: z.number().int().positive().default(2048),
    /** UTF-8 bytes of all text inputs together (a token counts 4 bytes); beyond it: 413 payload_too_large. */
    maxInputBytes: z.number().int().positive().default(1_000_000),
  })
  .strict()
  .refine((value) => value.model === undefined || value.engine !== undefined, { message: "embeddings.model needs embeddings.engine", path: ["model"] });

export type EmbeddingsConfig = z.infer<typeof embeddingsSchema>;

// A local engine serves its one loaded model; every hosted engine type lists its models.
export function chatModelsOf(engine: EngineConfig): readonly string[] {
  if (engine.type === "local") return engine.embeddings === "only" ? [] : [engine.modelName];
  return engine.models;
}

export function embeddingModelsOf(engine: EngineConfig): readonly string[] {
  if (engine.type === "local") return engine.embeddings === false ? [] : [engine.modelName];
  return "embeddingModels" in engine ? engine.embeddingModels : [];
}

type Issue = { path: PropertyKey[]; message: string };

/**
 * Cross-field checks: an engine serves something, a route's targets are all chat or all embedding models, and the
 * default embedding target exists and serves embeddings.
 */
export function embeddingIssues(engines: readonly EngineConfig[], routes: readonly RouteConfig[], embeddings: EmbeddingsConfig): Issue[] {
  const issues: Issue[] = [];
  engines.forEach((engine, index) => {
    if (chatModelsOf(engine).length === 0 && embeddingModelsOf(engine).length === 0) {
      issues.push({ path: ["engines", index, engine.type === "local" ? "embeddings" : "models"], message: "the engine serves no model: list models or embeddingModels" });
    }
  });
  const byName = new Map(engines.map((engine) => [engine.name, engine]));
  const embeddingRoutes = new Set<string>();
  routes.forEach((route, index) => {
    const kinds = new Set(
      route.targets.map((target) => {
        const text = typeof target === "string" ? target : target.target;
        const slash = text.indexOf("/");
        const engine = byName.get(text.slice(0, slash));
        return engine !== undefined && embeddingModelsOf(engine).includes(text.slice(slash + 1)) && !chatModelsOf(engine).includes(text.slice(slash + 1));
      }),
    );
    if (kinds.size > 1) issues.push({ path: ["routes", index, "targets"], message: "a route's targets are either all chat models or all embedding models" });
    else if (kinds.has(true)) embeddingRoutes.add(route.name);
  });
  if (embeddings.engine !== undefined) {
    const engine = byName.get(embeddings.engine);
    if (engine === undefined) {
      if (!embeddingRoutes.has(embeddings.engine)) {
        issues.push({ path: ["embeddings", "engine"], message: `no engine or embedding route named "${embeddings.engine}"` });
      } else if (embeddings.model !== undefined) {
        issues.push({ path: ["embeddings", "model"], message: `route ${embeddings.engine} chooses its own models; leave out model` });
      }
    } else {
      const models = embeddingModelsOf(engine);
      if (models.length === 0) {
        issues.push({ path: ["embeddings", "engine"], message: `engine "${engine.name}" serves no embedding model (set embeddingModels, or embeddings on a local engine)` });
      } else if (embeddings.model !== undefined && !models.includes(embeddings.model)) {
        issues.push({ path: ["embeddings", "model"], message: `engine "${engine.name}" serves no embedding model "${embeddings.model}" (it serves: ${models.join(", ")})` });
      }
    }
  }
  return issues;
}
