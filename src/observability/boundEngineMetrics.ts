/**
 * The llm_engine_* series of one engine and model, bound once. prom-client hashes a label set on every
 * `inc({...})`/`observe({...})`; a child bound with `labels()` skips that, and an engine call records three or four
 * of them. Kept per metrics registry (several gateways can share a process) and per engine/model pair.
 */
import type { Counter, Histogram } from "prom-client";
import type { Metrics } from "./createMetrics.js";

export interface BoundEngineMetrics {
  /** llm_engine_requests_total (by status) and llm_engine_latency_seconds. */
  ended(status: string, seconds: number): void;
  /** llm_engine_ttft_seconds. */
  firstToken(seconds: number): void;
}

const byRegistry = new WeakMap<Metrics, Map<string, BoundEngineMetrics>>();

export function boundEngineMetrics(metrics: Metrics, engine: string, model: string): BoundEngineMetrics {
  let bound = byRegistry.get(metrics);
  if (bound === undefined) {
    bound = new Map();
    byRegistry.set(metrics, bound);
  }
  const key = `${engine}\u0000${model}`;
  let entry = bound.get(key);
  if (entry === undefined) {
    entry = bind(metrics, engine, model);
    bound.set(key, entry);
  }
  return entry;
}

function bind(metrics: Metrics, engine: string, model: string): BoundEngineMetrics {
  const latency: Histogram.Internal<"engine" | "model"> = metrics.engineLatency.labels({ engine, model });
  const ttft: Histogram.Internal<"engine" | "model"> = metrics.engineTtft.labels({ engine, model });
  const requests = new Map<string, Counter.Internal>();
  return {
    ended(status, seconds) {
      let counter = requests.get(status);
      if (counter === undefined) {
        counter = metrics.engineRequests.labels({ engine, model, status });
        requests.set(status, counter);
      }
      counter.inc();
      latency.observe(seconds);
    },
    firstToken(seconds) {
      ttft.observe(seconds);
    },
  };
}
