/**
 * Every store query, observed after it ran (Kysely's log hook): store_query_duration_seconds, slow-query
 * counting and a warning line, and, with telemetry on, a CLIENT span placed back at the query's start time under
 * the request's span. The SQL text carries placeholders, never values.
 */
import { SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import type { LogEvent } from "kysely";
import type { Logger } from "../logger.js";
import type { Metrics } from "./createMetrics.js";

export interface StoreQueryObservers {
  dialect: "sqlite" | "postgres";
  slowQueryMs: number;
  metrics?: Metrics | undefined;
  tracer?: Tracer | undefined;
  logger?: Logger | undefined;
}

const operations = new Set(["select", "insert", "update", "delete", "with"]);

export function observeStoreQueries(observers: StoreQueryObservers): (event: LogEvent) => void {
  const system = observers.dialect === "postgres" ? "postgresql" : "sqlite";
  return (event) => {
    const durationMs = event.queryDurationMillis;
    const keyword = /^\s*(\w+)/.exec(event.query.sql)?.[1]?.toLowerCase() ?? "other";
    const operation = operations.has(keyword) ? keyword : "other";
    observers.metrics?.storeQueryDuration.observe({ operation }, durationMs / 1000);
    if (durationMs >= observers.slowQueryMs) {
      observers.metrics?.storeSlowQueries.inc({ operation });
      observers.logger?.warn({ durationMs: Math.round(durationMs), operation, sql: event.query.sql.slice(0, 500) }, "slow store query");
    }
    if (observers.tracer) {
      const span = observers.tracer.startSpan(`${operation} ${system}`, {
        kind: SpanKind.CLIENT,
        startTime: Date.now() - durationMs,
        attributes: { "db.system.name": system, "db.operation.name": operation.toUpperCase(), "db.query.text": event.query.sql.slice(0, 2000) },
      });
      if (event.level === "error") span.setStatus({ code: SpanStatusCode.ERROR, message: String(event.error) });
      span.end();
    }
  };
}
