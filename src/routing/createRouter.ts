/**
 * Turns what a client asked for into a plan (an ordered set of engine/model targets with a strategy) and runs
 * it: each target is tried through its guarded engine until one produces a first part. Only failures of the
 * engine move on to the next target; a bad request fails at once, and nothing is retried once output started.
 */
import type { TimeoutsConfig } from "../config/policySchema.js";
import type { Config } from "../config/schema.js";
import type { ChatRequest, EmbeddingRequest, EmbeddingResult } from "../engines/spec.js";
import type { EmbeddingsConfig } from "../config/embeddingsSchema.js";
import { createEmbeddingPlanner, isEmbeddingPlan } from "./planEmbeddings.js";
import { instrumentEmbeddingCall } from "../observability/instrumentEmbeddingCall.js";
import { GatewayError, isGatewayError } from "../errors.js";
import type { GuardedEngine } from "./createGuardedEngine.js";
import { orderTargets, routeTarget, type RouteTarget, type Strategy } from "./orderTargets.js";
import { isEngineFault } from "./policyErrors.js";
import { createResponseAccumulator, type CollectedResponse } from "../engines/createResponseAccumulator.js";
import { watchEngineCall, type CallTiming, type EngineCallObservers } from "../observability/observeEngineCall.js";
import type { CallEnd, EngineCall } from "./engineCall.js";
import { pumpCall } from "./pumpCall.js";

export interface Plan {
  /** A route name, `auto`, or the `engine/model` asked for. */
  name: string;
  strategy: Strategy;
  targets: RouteTarget[];
  timeouts?: Partial<TimeoutsConfig> | undefined;
  /** The route's stale-if-error window, when it sets one (else the cache's default applies). */
  staleIfErrorSeconds?: number | undefined;
}

export interface OpenPlanOptions {
  signal: AbortSignal;
  traceparent?: string | undefined;
  /** Session affinity: try this engine/model first while it is healthy. */
  prefer?: { engine: string; model: string } | undefined;
  /** The request's own timing (gateway_overhead_seconds is observed at its first engine call). */
  timing?: CallTiming | undefined;
}

export interface Opened {
  target: RouteTarget;
  /** Read it with pumpCall (or callParts), which settles it. */
  call: EngineCall;
}

export interface Completed {
  target: RouteTarget;
  /** Undefined for a whole answer asked for at once. */
  ttftMs: number | undefined;
  response: CollectedResponse;
  end: CallEnd;
}

export interface Embedded {
  target: RouteTarget;
  result: EmbeddingResult;
  attempts: number;
}

export interface Router {
  /** OpenAI `model`: a route, `engine/model`, a bare model served by one engine, an engine name, or `auto`. */
  planForModel(model: string): Plan;
  /** Session API `engine`: `auto` (the chat default), a route or an engine name, with an optional model. */
  planForEngine(engine: string, model?: string): Plan;
  open(plan: Plan, request: Omit<ChatRequest, "model">, options: OpenPlanOptions): Promise<Opened>;
  /** A non-streaming call: the whole response, falling back to the next target even after output started. */
  complete(plan: Plan, request: Omit<ChatRequest, "model">, options: OpenPlanOptions): Promise<Completed>;
  /** POST /v1/embeddings `model`: an embedding route, `engine/model`, a bare model, an engine name, or `auto`. */
  planForEmbedding(model: string): Plan;
  /** Embeds on the plan's targets in order until one answers; only engine faults move on. */
  embed(plan: Plan, request: Omit<EmbeddingRequest, "model">, options: OpenPlanOptions): Promise<Embedded>;
  readonly engines: readonly GuardedEngine[];
  readonly routes: readonly Plan[];
  /** Whether an engine can take work now (usable and its breaker not open): the test for keeping affinity. */
  healthy(engine: string): boolean;
}

export interface RouterSettings {
  routes: Config["routes"];
  routing: Config["routing"];
  defaultEngine: string;
  random?: () => number;
  /** Metrics, spans and logs of each engine call. */
  observers?: EngineCallObservers | undefined;
  /** The default embedding target (`embeddings` in the config). */
  embeddings?: Pick<EmbeddingsConfig, "engine" | "model"> | undefined;
}

export function createRouter(engines: readonly GuardedEngine[], settings: RouterSettings): Router {
  const byName = new Map(engines.map((guarded) => [guarded.name, guarded]));
  const random = settings.random ?? Math.random;

  const single = (guarded: GuardedEngine, model: string, name = `${guarded.name}/${model}`): Plan => ({
    name,
    strategy: "fallback",
    targets: [routeTarget(guarded, model, 1)],
  });

  const routes = new Map<string, Plan>(
    settings.routes.map((route) => [
      route.name,
      {
        name: route.name,
        strategy: route.strategy,
        timeouts: route.timeouts,
        staleIfErrorSeconds: route.staleIfErrorSeconds,
        targets: route.targets.map((entry) => {
          const text = typeof entry === "string" ? entry : entry.target;
          const slash = text.indexOf("/");
          const guarded = byName.get(text.slice(0, slash));
          if (!guarded) throw new Error(`route ${route.name}: no engine ${text.slice(0, slash)}`);
          return routeTarget(guarded, text.slice(slash + 1), typeof entry === "string" ? 1 : entry.weight);
        }),
      },
    ]),
  );

  const chatRoute = (route: Plan): Plan => {
    if (isEmbeddingPlan(route)) throw new GatewayError("invalid_request", `route ${route.name} serves embedding models: use POST /v1/embeddings`, { param: "model" });
    return route;
  };
  const planForEmbedding = createEmbeddingPlanner(engines, routes, settings.embeddings);

  const autoPlan = (): Plan => {
    if (settings.routing.default !== undefined) {
      const route = routes.get(settings.routing.default);
      if (route) return route;
    }
    return {
      name: "auto",
      strategy: "fallback",
      targets: engines.flatMap((guarded) => (guarded.engine.models[0] === undefined ? [] : [routeTarget(guarded, guarded.engine.models[0], 1)])),
    };
  };

  const modelOf = (guarded: GuardedEngine, model: string | undefined): Plan => {
    if (model === undefined) {
      const first = guarded.engine.models[0];
      if (first === undefined) throw new GatewayError("engine_unavailable", `engine ${guarded.name} serves no models`);
      return single(guarded, first);
    }
    if (!guarded.engine.models.includes(model)) {
      throw new GatewayError("not_found", `engine ${guarded.name} has no model "${model}" (it serves: ${guarded.engine.models.join(", ")})`, {
        param: "model",
      });
    }
    return single(guarded, model);
  };

  // Plans are immutable and this router lives until the next reload: each model name is resolved once. Only names
  // that resolve are kept, so what clients can make it hold is bounded by the configuration.
  const resolved = new Map<string, Plan>();
  const planForModel = (model: string): Plan => {
    let plan = resolved.get(model);
    if (plan === undefined) {
      plan = resolveModel(model);
      resolved.set(model, plan);
    }
    return plan;
  };

  const resolveModel = (model: string): Plan => {
    if (model === "auto") return autoPlan();
    const route = routes.get(model);
    if (route) return chatRoute(route);
    const slash = model.indexOf("/");
    if (slash > 0) {
      const guarded = byName.get(model.slice(0, slash));
      if (guarded) return modelOf(guarded, model.slice(slash + 1));
    }
    const serving = engines.filter((guarded) => guarded.engine.models.includes(model));
    if (serving.length === 1 && serving[0]) return single(serving[0], model);
    if (serving.length > 1) {
      const choices = serving.map((guarded) => `${guarded.name}/${model}`).join(", ");
      throw new GatewayError("invalid_request", `model "${model}" is served by several engines; use one of: ${choices}`, { param: "model" });
    }
    const guarded = byName.get(model);
    if (guarded) return modelOf(guarded, undefined);
    throw new GatewayError("not_found", `unknown model "${model}"; GET /v1/models lists the available ones`, { param: "model" });
  };

  const planForEngine = (engine: string, model?: string): Plan => {
    if (engine === "auto") {
      if (model !== undefined) return planForModel(model);
      return settings.defaultEngine === "auto" ? autoPlan() : planForEngine(settings.defaultEngine);
    }
    const route = routes.get(engine);
    if (route) {
      if (model !== undefined) throw new GatewayError("invalid_request", `route ${engine} chooses its own models; leave out "model"`, { param: "model" });
      return chatRoute(route);
    }
    const guarded = byName.get(engine);
    if (!guarded) throw new GatewayError("not_found", `unknown engine or route "${engine}"`, { param: "engine" });
    return modelOf(guarded, model);
  };

  const healthy = (engine: string): boolean => {
    const state = byName.get(engine)?.state();
    return state !== undefined && state.usable && state.breaker !== "open" && state.breaker !== "isolated";
  };

  const ordered = (plan: Plan, prefer: OpenPlanOptions["prefer"]): RouteTarget[] => {
    let order = orderTargets(plan.strategy, plan.targets, random);
    if (prefer && healthy(prefer.engine)) {
      const index = order.findIndex((t) => t.engine.name === prefer.engine && t.model === prefer.model);
      if (index > 0) order = [order[index] as RouteTarget, ...order.filter((_, i) => i !== index)];
    }
    // Targets whose breaker is open would only fail fast; try them last, in case every one is open.
    const ready = order.filter((t) => healthy(t.engine.name));
    return [...ready, ...order.filter((t) => !ready.includes(t))];
  };

  /** Tries targets in order until `attempt` succeeds; only engine faults move on to the next target. */
  async function tryTargets<T>(plan: Plan, options: OpenPlanOptions, attempt: (target: RouteTarget) => Promise<T>): Promise<T> {
    if (plan.targets.length === 0) {
      throw new GatewayError("engine_unavailable", "no engines are configured: add one under `engines` in the config file");
    }
    const failures: Array<{ target: RouteTarget; error: GatewayError }> = [];
    const order = ordered(plan, options.prefer);
    for (let index = 0; index < order.length; index += 1) {
      const target = order[index] as RouteTarget;
      try {
        return await attempt(target);
      } catch (error) {
        if (options.signal.aborted || !isGatewayError(error) || !isEngineFault(error)) throw error;
        failures.push({ target, error });
        const next = order[index + 1];
        // The request's log line says only how it ended; a failover in between is told here (with its trace id).
        if (next !== undefined) {
          settings.observers?.logger?.info(
            { route: plan.name, from: target.id, to: next.id, code: error.code, reason: error.message },
            `fallback from ${target.id} to ${next.id}: ${error.message}`,
          );
        }
      }
    }
    throw combine(plan, failures);
  }

  const openOn = async (target: RouteTarget, plan: Plan, request: Omit<ChatRequest, "model">, options: OpenPlanOptions, coalesce = false): Promise<EngineCall> => {
    const call = { ...request, model: target.model };
    const watch = watchEngineCall(
      settings.observers ?? {},
      { engine: target.engine.name, engineType: target.engine.type, request: call, traceparent: options.traceparent },
      options.timing,
    );
    let opened: EngineCall;
    try {
      opened = await target.engine.open(call, {
        signal: options.signal,
        timeouts: plan.timeouts,
        traceparent: watch.traceparent,
        ...(coalesce ? { coalesce } : {}),
        onEnd: watch.ended,
      });
    } catch (error) {
      watch.failed(error);
      throw error;
    }
    watch.opened(opened.ttftMs);
    return opened;
  };

  const open = (plan: Plan, request: Omit<ChatRequest, "model">, options: OpenPlanOptions): Promise<Opened> =>
    tryTargets(plan, options, async (target) => ({ target, call: await openOn(target, plan, request, options) }));

  // Nothing reaches the client of a non-streaming call until it is complete, so even a failure after the first
  // token can still go to the next target.
  const complete = (plan: Plan, request: Omit<ChatRequest, "model">, options: OpenPlanOptions): Promise<Completed> =>
    tryTargets(plan, options, async (target) => {
      const call = await openOn(target, plan, request, options, true);
      const collected = createResponseAccumulator();
      const end = await pumpCall(call, undefined, collected);
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the call's failure as explained by its engine, thrown on to the next target
      if (end.failure !== undefined) throw end.failure;
      return { target, ttftMs: call.ttftMs, response: collected.result(), end };
    });

  const embed = (plan: Plan, request: Omit<EmbeddingRequest, "model">, options: OpenPlanOptions): Promise<Embedded> =>
    tryTargets(plan, options, async (target) => {
      const call = { ...request, model: target.model };
      const embedded = await instrumentEmbeddingCall(
        settings.observers ?? {},
        { engine: target.engine.name, engineType: target.engine.type, request: call, traceparent: options.traceparent },
        (traceparent) => target.engine.embed(call, { signal: options.signal, timeouts: plan.timeouts, ...(traceparent ? { traceparent } : {}) }),
        options.timing,
      );
      return { target, ...embedded };
    });

  return {
    planForModel,
    planForEngine,
    open,
    complete,
    planForEmbedding,
    embed,
    engines,
    routes: [...routes.values()],
    healthy,
  };
}

function combine(plan: Plan, failures: Array<{ target: RouteTarget; error: GatewayError }>): GatewayError {
  const last = failures.at(-1);
  if (!last) return new GatewayError("engine_unavailable", `route ${plan.name} has no targets`);
  if (failures.length === 1) return last.error;
  const detail = failures.map(({ target, error }) => `${target.id}: ${error.message}`).join("; ");
  if (failures.every(({ error }) => error.code === "engine_overloaded")) {
    const wait = Math.min(...failures.map(({ error }) => error.retryAfterSeconds ?? 1));
    return new GatewayError("engine_overloaded", `every target of ${plan.name} is at capacity (${detail})`, { retryAfterSeconds: wait });
  }
  return new GatewayError(last.error.code, `every target of ${plan.name} failed (${detail})`, {
    retryAfterSeconds: last.error.retryAfterSeconds ?? 1,
    cause: last.error,
  });
}

/**
 * Refuses a plan none of whose targets can serve at all (no model loaded, nothing configured), before anything
 * is written for the request: that is a configuration problem to report, not a request that failed.
 */
export function ensureUsable(plan: Plan): void {
  if (plan.targets.length === 0) {
    throw new GatewayError("engine_unavailable", "no engines are configured: add one under `engines` in the config file");
  }
  if (plan.targets.some((t) => t.engine.engine.status().usable)) return;
  const reasons = plan.targets.map((t) => {
    const status = t.engine.engine.status();
    return `${t.engine.name}: ${status.reason ?? "unavailable"}`;
  });
  throw new GatewayError("engine_unavailable", `no engine can serve ${plan.name} (${[...new Set(reasons)].join("; ")})`, { retryAfterSeconds: 5 });
}
