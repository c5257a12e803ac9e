/**
 * GET /metrics (Prometheus text format). The route is `public` for the
 * gateway's own auth (a scraper has no API key) but guarded by its own settings: `metrics.token` demands
 * `Authorization: Bearer <token>` (401), `metrics.allowlist` demands a client address inside it (403).
 */
import type { FastifyInstance } from "fastify";
import type { Config } from "../../config/schema.js";
import { GatewayError } from "../../errors.js";
import { createAddressMatcher } from "../../auth/createAddressMatcher.js";
import { safeEqual } from "../../auth/safeEqual.js";
import type { Metrics } from "../../observability/createMetrics.js";

const metricsSchema = {
  tags: ["metrics"],
  summary: "Prometheus metrics",
  description: "Prometheus text. Needs no API key; `metrics.token` demands `Authorization: Bearer <token>` and `metrics.allowlist` a listed address.",
};

export interface MetricsRouteDeps {
  metrics: Metrics;
  config: Readonly<Config["metrics"]>;
}

export function metricsRoute(app: FastifyInstance, deps: MetricsRouteDeps): void {
  const { token, allowlist } = deps.config;
  const inAllowlist = allowlist ? createAddressMatcher(allowlist) : undefined;

  // Scrapes pass load shedding (pressureHandler): an overload is exactly when its metrics matter.
  app.get("/metrics", { config: { policy: "public", pressureHandler: () => undefined }, schema: metricsSchema }, async (request, reply) => {
    if (inAllowlist && !inAllowlist(request.ip)) {
      request.log.warn({ ip: request.ip }, "metrics request from outside metrics.allowlist");
      throw new GatewayError("forbidden", "metrics are not available from this address");
    }
    if (token !== undefined) {
      const header = request.headers.authorization ?? "";
      const match = /^Bearer\s+(.+)$/i.exec(header);
      if (!match || !safeEqual(match[1]?.trim() ?? "", token)) {
        reply.header("www-authenticate", 'Bearer realm="metrics"');
        throw new GatewayError("unauthorized", "metrics need Authorization: Bearer <metrics.token>");
      }
    }
    const text = await deps.metrics.registry.metrics();
    reply.header("content-type", deps.metrics.registry.contentType).header("cache-control", "no-store");
    return text;
  });
}
