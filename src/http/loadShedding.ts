/**
 * Load shedding with @fastify/under-pressure: when the event loop lags or memory runs past the configured limits,
 * new requests get 503 server_overloaded with Retry-After at once, instead of queueing behind the work that
 * is already too slow. Probes and scrapes pass (their routes set their own pressureHandler): an overloaded
 * replica is alive, and a scrape is how anyone sees the overload.
 */
import underPressure from "@fastify/under-pressure";
import type { FastifyInstance } from "fastify";
import type { Config } from "../config/schema.js";
import { GatewayError } from "../errors.js";
import type { Metrics } from "../observability/createMetrics.js";

const reasonOf: Readonly<Record<string, string>> = {
  eventLoopDelay: "event_loop_delay",
  heapUsedBytes: "heap",
  rssBytes: "rss",
  eventLoopUtilization: "event_loop_utilization",
};

export function loadShedding(app: FastifyInstance, config: Readonly<Config["loadShedding"]>, metrics: Metrics | undefined): void {
  if (!config.enabled) return;
  void app.register(underPressure, {
    ...(config.maxEventLoopDelayMs > 0 ? { maxEventLoopDelay: config.maxEventLoopDelayMs } : {}),
    ...(config.maxHeapUsedBytes > 0 ? { maxHeapUsedBytes: config.maxHeapUsedBytes } : {}),
    ...(config.maxRssBytes > 0 ? { maxRssBytes: config.maxRssBytes } : {}),
    retryAfter: config.retryAfterSeconds,
    pressureHandler: async (request, _reply, type, value) => {
      const reason = reasonOf[type] ?? type;
      metrics?.requestsShed.inc({ reason });
      request.log.warn({ reason, value }, "shedding load: request refused");
      throw new GatewayError("server_overloaded", `the gateway is overloaded (${reason}); retry shortly`, {
        retryAfterSeconds: config.retryAfterSeconds,
      });
    },
  });
}
