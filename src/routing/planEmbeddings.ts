/**
 * Which engine/model targets an embeddings request means. Embedding models are addressed like chat models —
 * `engine/model`, a bare model id served by one engine, an engine name (its first embedding model), a route
 * whose targets are embedding models — and `auto` means the configured default (`embeddings: {engine, model}`).
 */
import type { EmbeddingsConfig } from "../config/embeddingsSchema.js";
import { GatewayError } from "../errors.js";
import type { GuardedEngine } from "./createGuardedEngine.js";
import type { Plan } from "./createRouter.js";
import { routeTarget } from "./orderTargets.js";

export function embeddingModelsOf(guarded: GuardedEngine): readonly string[] {
  return guarded.engine.embeddings?.embeddingModels ?? [];
}

/** A route whose targets are embedding models (the config keeps a route to one kind). */
export function isEmbeddingPlan(plan: Plan): boolean {
  const first = plan.targets[0];
  return first !== undefined && embeddingModelsOf(first.engine).includes(first.model) && !first.engine.engine.models.includes(first.model);
}

export function createEmbeddingPlanner(
  engines: readonly GuardedEngine[],
  routes: ReadonlyMap<string, Plan>,
  defaults: Pick<EmbeddingsConfig, "engine" | "model"> | undefined,
): (model: string) => Plan {
  const byName = new Map(engines.map((guarded) => [guarded.name, guarded]));
  const single = (guarded: GuardedEngine, model: string): Plan => ({
    name: `${guarded.name}/${model}`,
    strategy: "fallback",
    targets: [routeTarget(guarded, model, 1)],
  });

  const onEngine = (guarded: GuardedEngine, model: string | undefined): Plan => {
    const models = embeddingModelsOf(guarded);
    if (model === undefined) {
      const first = models[0];
      if (first === undefined) throw new GatewayError("not_found", `engine ${guarded.name} serves no embedding model`, { param: "model" });
      return single(guarded, first);
    }
    if (!models.includes(model)) {
      const served = models.length === 0 ? "it serves none" : `it serves: ${models.join(", ")}`;
      throw new GatewayError("not_found", `engine ${guarded.name} has no embedding model "${model}" (${served})`, { param: "model" });
    }
    return single(guarded, model);
  };

  const onRoute = (route: Plan): Plan => {
    if (!isEmbeddingPlan(route)) throw new GatewayError("invalid_request", `route ${route.name} serves chat models, not embeddings`, { param: "model" });
    return route;
  };

  return (model: string): Plan => {
    if (model === "auto") {
      if (defaults?.engine === undefined) {
        throw new GatewayError("not_found", "no default embedding model: name one, or configure `embeddings: {engine, model}`", { param: "model" });
      }
      const route = routes.get(defaults.engine);
      if (route) return onRoute(route);
      const guarded = byName.get(defaults.engine);
      if (!guarded) throw new GatewayError("engine_unavailable", `the default embedding engine ${defaults.engine} is not running`);
      return onEngine(guarded, defaults.model);
    }
    const route = routes.get(model);
    if (route) return onRoute(route);
    const slash = model.indexOf("/");
    if (slash > 0) {
      const guarded = byName.get(model.slice(0, slash));
      if (guarded) return onEngine(guarded, model.slice(slash + 1));
    }
    const serving = engines.filter((guarded) => embeddingModelsOf(guarded).includes(model));
    if (serving.length === 1 && serving[0]) return single(serving[0], model);
    if (serving.length > 1) {
      const choices = serving.map((guarded) => `${guarded.name}/${model}`).join(", ");
      throw new GatewayError("invalid_request", `embedding model "${model}" is served by several engines; use one of: ${choices}, or a route over them`, {
        param: "model",
      });
    }
    const guarded = byName.get(model);
    if (guarded) return onEngine(guarded, undefined);
    throw new GatewayError("not_found", `unknown embedding model "${model}"; GET /v1/models lists the available ones`, { param: "model" });
  };
}
