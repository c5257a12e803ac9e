/**
 * The live routing state: guarded engines and the router over them, replaceable at runtime (SIGHUP). A reload
 * keeps every engine whose configuration did not change (with its pool, breaker and statistics), starts the new
 * ones, and closes removed ones only after their in-flight streams finished.
 */
import type { Config, EngineConfig } from "../config/schema.js";
import type { Logger } from "../logger.js";
import { createEngines } from "../engines/createEngines.js";
import { createGuardedEngine, type GuardedEngine } from "./createGuardedEngine.js";
import { createRouter, type Router } from "./createRouter.js";
import { breakerGaugeValue, type Metrics } from "../observability/createMetrics.js";
import type { EngineCallObservers } from "../observability/observeEngineCall.js";
import type { Tracer } from "@opentelemetry/api";

export interface Routing {
  router(): Router;
  /** Applies the engines, routes and routing of a new, already validated configuration. */
  reload(config: Readonly<Config>): { added: string[]; removed: string[]; kept: string[] };
  close(): Promise<void>;
}

export interface RoutingOptions {
  /** An engine's breaker opened, went half-open for a trial, or closed again. */
  onBreakerChange?: ((engine: string, state: "open" | "closed" | "half-open") => void) | undefined;
  /** Engine request metrics, and each engine's breaker state (0 when it starts). */
  metrics?: Metrics | undefined;
  /** Spans for engine calls when telemetry is on. */
  tracer?: Tracer | undefined;
}

export function createRouting(config: Readonly<Config>, logger: Logger, options: RoutingOptions = {}): Routing {
  const build = (configs: readonly EngineConfig[]) => buildEngines(configs, logger, options);
  let guarded = build(config.engines);
  const observers: EngineCallObservers = { metrics: options.metrics, logger, tracer: options.tracer };
  let router = makeRouter(guarded, config, observers);
  const retiring = new Set<Promise<void>>();

  return {
    router: () => router,
    reload(next) {
      const previous = new Map(guarded.map((g) => [g.name, g]));
      const kept: GuardedEngine[] = [];
      const fresh: EngineConfig[] = [];
      for (const engineConfig of next.engines) {
        const existing = previous.get(engineConfig.name);
        if (existing && JSON.stringify(existing.config) === JSON.stringify(engineConfig)) kept.push(existing);
        else fresh.push(engineConfig);
      }
      const started = new Map(build(fresh).map((g) => [g.engine.name, g]));
      const nextGuarded = next.engines.map((c) => kept.find((g) => g.name === c.name) ?? (started.get(c.name) as GuardedEngine));
      const nextRouter = makeRouter(nextGuarded, next, observers);
      const removed = guarded.filter((g) => !kept.includes(g));
      guarded = nextGuarded;
      router = nextRouter;
      for (const old of removed) {
        if (!next.engines.some((c) => c.name === old.engine.name)) options.metrics?.circuitBreakerState.remove({ engine: old.engine.name });
        const closing = old.close().catch((error: unknown) => logger.error({ err: error, engine: old.engine.name }, "closing a replaced engine failed"));
        retiring.add(closing);
        void closing.finally(() => retiring.delete(closing));
      }
      return {
        added: [...started.keys()],
        removed: removed.map((g) => g.name),
        kept: kept.map((g) => g.name),
      };
    },
    async close() {
      await Promise.allSettled([...guarded.map((g) => g.close()), ...retiring]);
    },
  };
}

function buildEngines(configs: readonly EngineConfig[], logger: Logger, options: RoutingOptions): GuardedEngine[] {
  const engines = createEngines(configs, logger);
  const { onBreakerChange, metrics } = options;
  return engines.map((engine, index) => {
    metrics?.circuitBreakerState.set({ engine: engine.name }, breakerGaugeValue.closed);
    const guarded: GuardedEngine = createGuardedEngine(engine, configs[index] as EngineConfig, {
      onBreakerChange: (state) => {
        metrics?.circuitBreakerState.set({ engine: engine.name }, breakerGaugeValue[state]);
        // An operator reading the logs sees every failover's cause: the breaker's turns, with the fault behind them.
        const lastError = guarded.state().lastError;
        if (state === "open") logger.warn({ engine: engine.name, breaker: state, lastError: lastError?.message }, `engine ${engine.name}: circuit breaker opened`);
        else logger.info({ engine: engine.name, breaker: state }, `engine ${engine.name}: circuit breaker ${state === "closed" ? "closed" : "half-open, trying one call"}`);
        onBreakerChange?.(engine.name, state);
      },
    });
    return guarded;
  });
}

function makeRouter(guarded: readonly GuardedEngine[], config: Readonly<Config>, observers: EngineCallObservers): Router {
  return createRouter(guarded, { routes: config.routes, routing: config.routing, defaultEngine: config.chat.defaultEngine, observers, embeddings: config.embeddings });
}
