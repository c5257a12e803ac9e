/**
 * The names under which an API key's `allowedModels` may permit a chat request: the `engine/model` it resolves to
 * and that engine's name, or the route name, or `auto` (only ever `auto`: listing a route does not grant what
 * `auto` happens to mean today). Resolution goes through the router, so a bare model id or an engine name counts
 * as the `engine/model` it would be served by.
 */
import type { Plan, Router } from "../routing/createRouter.js";

type Planner = Pick<Router, "planForModel" | "planForEngine">;

/** An OpenAI `model` value. */
export function namesForModel(router: Planner, model: string): string[] {
  if (model === "auto") return ["auto"];
  return namesOf(model, () => router.planForModel(model));
}

/** A session-chat turn's `engine` and `model`; with neither, the configured chat default. */
export function namesForSessionTurn(router: Planner, engine: string | undefined, model: string | undefined, defaultEngine: string): string[] {
  const chosen = engine ?? "auto";
  if (chosen !== "auto") return namesOf(chosen, () => router.planForEngine(chosen, model));
  if (model !== undefined) return namesForModel(router, model);
  return defaultEngine === "auto" ? ["auto"] : namesOf(defaultEngine, () => router.planForEngine(defaultEngine));
}

/** A POST /v1/embeddings `model`, resolved the way the embeddings route will resolve it. */
export function namesForEmbeddingModel(router: Pick<Router, "planForEmbedding">, model: string): string[] {
  if (model === "auto") return ["auto"];
  return namesOf(model, () => router.planForEmbedding(model));
}

export function isModelAllowed(names: readonly string[], allowed: readonly string[]): boolean {
  return names.some((name) => allowed.includes(name));
}

function namesOf(asked: string, plan: () => Plan): string[] {
  let resolved: Plan;
  try {
    resolved = plan();
  } catch {
    // Unknown to the router: only an exact listing lets it through (to the route's own not-found answer).
    return [asked];
  }
  const only = resolved.targets[0];
  if (resolved.targets.length === 1 && only && resolved.name === only.id) {
    return [resolved.name, only.engine.name];
  }
  return [resolved.name];
}
