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

export interface Routing {
  router(): Router;
  /** Applies the engines, routes and routing of a new, already validated configuration. */
  reload(config: Readonly<Config>): { added: string[]; removed: string[]; kept: string[] };
  close(): Promise<void>;
}

export interface RoutingOptions {
  /** An engine's breaker opened, or closed again. */
  onBreakerChange?: ((engine: string, state: "open" | "closed") => void) | undefined;
}

export function createRouting(config: Readonly<Config>, logger: Logger, options: RoutingOptions = {}): Routing {
  const build = (configs: readonly EngineConfig[]) => buildEngines(configs, logger, options);
  let guarded = build(config.engines);
  let router = makeRouter(guarded, config);
  const retiring = new Set<Promise<void>>();

  return {
    router: () => router,
    reload(next) {
      const previous = new Map(guarded.map((g) => [g.engine.name, g]));
      const kept: GuardedEngine[] = [];
      const fresh: EngineConfig[] = [];
      for (const engineConfig of next.engines) {
        const existing = previous.get(engineConfig.name);
        if (existing && JSON.stringify(existing.config) === JSON.stringify(engineConfig)) kept.push(existing);
        else fresh.push(engineConfig);
      }
      const started = new Map(build(fresh).map((g) => [g.engine.name, g]));
      const nextGuarded = next.engines.map((c) => kept.find((g) => g.engine.name === c.name) ?? (started.get(c.name) as GuardedEngine));
      const nextRouter = makeRouter(nextGuarded, next);
      const removed = guarded.filter((g) => !kept.includes(g));
      guarded = nextGuarded;
      router = nextRouter;
      for (const old of removed) {
        const closing = old.close().catch((error: unknown) => logger.error({ err: error, engine: old.engine.name }, "closing a replaced engine failed"));
        retiring.add(closing);
        void closing.finally(() => retiring.delete(closing));
      }
      return {
        added: [...started.keys()],
        removed: removed.map((g) => g.engine.name),
        kept: kept.map((g) => g.engine.name),
      };
    },
    async close() {
      await Promise.allSettled([...guarded.map((g) => g.close()), ...retiring]);
    },
  };
}

function buildEngines(configs: readonly EngineConfig[], logger: Logger, options: RoutingOptions): GuardedEngine[] {
  const engines = createEngines(configs, logger);
  return engines.map((engine, index) => {
    const onBreakerChange = options.onBreakerChange;
    return createGuardedEngine(engine, configs[index] as EngineConfig, {
      onBreakerChange: onBreakerChange && ((state) => onBreakerChange(engine.name, state)),
    });
  });
}

function makeRouter(guarded: readonly GuardedEngine[], config: Readonly<Config>): Router {
  return createRouter(guarded, { routes: config.routes, routing: config.routing, defaultEngine: config.chat.defaultEngine });
}
