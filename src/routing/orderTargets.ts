import type { GuardedEngine } from "./createGuardedEngine.js";

export type Strategy = "fallback" | "weighted" | "least-latency" | "least-busy";

/** One engine/model a route may send a request to. */
export interface RouteTarget {
  /** The engine that runs the call, behind its policies. */
  engine: GuardedEngine;
  /** The model as the engine knows it. */
  model: string;
  weight: number;
  /** `engine/model`, as clients address it and as responses, logs and the ledger name it. */
  id: string;
}

export function routeTarget(engine: GuardedEngine, model: string, weight: number): RouteTarget {
  return { engine, model, weight, id: `${engine.name}/${model}` };
}

/**
 * The order in which a request tries a route's targets. Every strategy returns all targets, so whatever the
 * first choice, the rest remain as fallbacks.
 */
export function orderTargets(strategy: Strategy, targets: readonly RouteTarget[], random: () => number = Math.random): RouteTarget[] {
  switch (strategy) {
    case "fallback":
      return [...targets];
    case "weighted":
      return weightedShuffle(targets, random);
    case "least-latency":
      // Unmeasured targets go first so every target gets measured.
      return stableSort(targets, (t) => t.engine.state().ewmaTtftMs ?? -1);
    case "least-busy":
      return stableSort(targets, (t) => {
        const state = t.engine.state();
        return (state.inFlight + state.queued) / state.maxConcurrency;
      });
  }
}

function stableSort(targets: readonly RouteTarget[], key: (target: RouteTarget) => number): RouteTarget[] {
  return targets
    .map((target, index) => ({ target, index, key: key(target) }))
    .sort((a, b) => a.key - b.key || a.index - b.index)
    .map(({ target }) => target);
}

/** Draws without replacement, each pick proportional to weight; zero-weight targets only as a last resort. */
function weightedShuffle(targets: readonly RouteTarget[], random: () => number): RouteTarget[] {
  const pool = targets.filter((t) => t.weight > 0);
  const ordered: RouteTarget[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((sum, t) => sum + t.weight, 0);
    let point = random() * total;
    let index = pool.findIndex((t) => (point -= t.weight) < 0);
    if (index < 0) index = pool.length - 1;
    ordered.push(...pool.splice(index, 1));
  }
  return [...ordered, ...targets.filter((t) => t.weight <= 0)];
}
