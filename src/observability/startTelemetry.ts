/**
 * OpenTelemetry tracing (off unless configured): the Node SDK with an OTLP/HTTP exporter, W3C propagation and an
 * AsyncLocalStorage context manager, plus @fastify/otel for the server spans. The SDK registers process-wide
 * (global tracer provider and context manager), so one telemetry per process: a second start fails loudly.
 */
import { trace, type Tracer } from "@opentelemetry/api";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { FastifyOtelInstrumentation } from "@fastify/otel";
import type { Config } from "../config/schema.js";

export interface Telemetry {
  tracer: Tracer;
  /** Registered on the Fastify app before its routes. */
  fastify: FastifyOtelInstrumentation;
  /** Flushes pending spans and unregisters the SDK. */
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  /** Extra span processors (tests use an in-memory exporter); they turn tracing on without an endpoint. */
  spanProcessors?: SpanProcessor[];
}

let running = false;

export function startTelemetry(config: Readonly<Config["telemetry"]>, options: TelemetryOptions = {}): Telemetry | undefined {
  const processors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (config.otlp) {
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: config.otlp.endpoint, headers: { ...config.otlp.headers } })));
  }
  if (processors.length === 0) return undefined;
  if (running) throw new Error("telemetry is already running in this process (the OpenTelemetry SDK is process-wide)");
  running = true;
  const fastify = new FastifyOtelInstrumentation({
    // Hook spans on every request cost more than they tell; the request and handler spans stay.
    instrumentHooks: false,
    ignorePaths: (route) => route.url.startsWith("/health/") || route.url === "/metrics",
  });
  const sdk = new NodeSDK({
    serviceName: config.serviceName,
    spanProcessors: processors,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio) }),
    instrumentations: [fastify],
  });
  sdk.start();
  return {
    tracer: trace.getTracer("switchyard"),
    fastify,
    async shutdown() {
      try {
        await sdk.shutdown();
      } finally {
        running = false;
      }
    },
  };
}
