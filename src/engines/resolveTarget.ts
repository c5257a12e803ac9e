/**
 * Turns what a client asked for (an OpenAI `model`, or a session's `engine` + `model`) into one engine and the
 * model name that engine knows. Routing strategies arrive later; for now `auto` means the first usable engine.
 */
import { GatewayError } from "../errors.js";
import type { Engine } from "./spec.js";

export interface Target {
  engine: Engine;
  model: string;
}

export interface TargetResolver {
  /** OpenAI `model`: `engine/model`, a bare model name served by exactly one engine, an engine name, or `auto`. */
  byModel(model: string): Target;
  /** Session API: `engine` (`auto` or a name) and an optional model of that engine. */
  byEngine(engine: string, model?: string): Target;
  /** The first usable engine in configured order, if any. */
  firstUsable(): Target | undefined;
}

export function createTargetResolver(engines: readonly Engine[]): TargetResolver {
  const byName = new Map(engines.map((engine) => [engine.name, engine]));

  const usable = (target: Target): Target => {
    const status = target.engine.status();
    if (!status.usable) {
      throw new GatewayError("engine_unavailable", `engine ${target.engine.name} is unavailable: ${status.reason ?? "unknown reason"}`, {
        retryAfterSeconds: 5,
      });
    }
    return target;
  };

  const firstUsable = (): Target | undefined => {
    const engine = engines.find((candidate) => candidate.status().usable);
    const model = engine?.models[0];
    return engine && model !== undefined ? { engine, model } : undefined;
  };

  const auto = (): Target => {
    const found = firstUsable();
    if (found) return found;
    if (engines.length === 0) {
      throw new GatewayError("engine_unavailable", "no engines are configured: add one under `engines` in the config file");
    }
    const reasons = engines.map((engine) => `${engine.name}: ${engine.status().reason ?? "unavailable"}`).join("; ");
    throw new GatewayError("engine_unavailable", `no engine is available (${reasons})`, { retryAfterSeconds: 5 });
  };

  const modelOf = (engine: Engine, model: string | undefined, param: string): Target => {
    if (model === undefined) {
      const first = engine.models[0];
      if (first === undefined) throw new GatewayError("engine_unavailable", `engine ${engine.name} serves no models`);
      return { engine, model: first };
    }
    if (!engine.models.includes(model)) {
      throw new GatewayError("not_found", `engine ${engine.name} has no model "${model}" (it serves: ${engine.models.join(", ")})`, {
        param,
      });
    }
    return { engine, model };
  };

  return {
    firstUsable,
    byModel(model) {
      if (model === "auto") return auto();
      const slash = model.indexOf("/");
      if (slash > 0) {
        const engine = byName.get(model.slice(0, slash));
        if (engine) return usable(modelOf(engine, model.slice(slash + 1), "model"));
      }
      const serving = engines.filter((engine) => engine.models.includes(model));
      if (serving.length === 1 && serving[0]) return usable({ engine: serving[0], model });
      if (serving.length > 1) {
        const choices = serving.map((engine) => `${engine.name}/${model}`).join(", ");
        throw new GatewayError("invalid_request", `model "${model}" is served by several engines; use one of: ${choices}`, { param: "model" });
      }
      const engine = byName.get(model);
      if (engine) return usable(modelOf(engine, undefined, "model"));
      throw new GatewayError("not_found", `unknown model "${model}"; GET /v1/models lists the available ones`, { param: "model" });
    },
    byEngine(name, model) {
      if (name === "auto") {
        if (model === undefined) return auto();
        return this.byModel(model);
      }
      const engine = byName.get(name);
      if (!engine) throw new GatewayError("not_found", `unknown engine "${name}"`, { param: "engine" });
      return usable(modelOf(engine, model, "model"));
    },
  };
}
