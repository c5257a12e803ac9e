/**
 * One engine call as the router makes it, observed: a CLIENT span with the GenAI semantic conventions (a child
 * of the request's span, and the parent the upstream sees in `traceparent`), llm_engine_* metrics,
 * gateway_overhead_seconds for the request's first engine call, and a debug line. The watcher is told when the
 * call opened, failed before its first part, or ended (from the call's end, after the consumer's one read loop),
 * so nothing stands between the engine's parts and their consumer.
 */
import { SpanKind, SpanStatusCode, type Span, type Tracer } from "@opentelemetry/api";
import type { ChatRequest, EngineType, Usage } from "../engines/spec.js";
import { isAbortError, isGatewayError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { CallEnd } from "../routing/engineCall.js";
import type { Metrics } from "./createMetrics.js";
import { boundEngineMetrics } from "./boundEngineMetrics.js";

export interface EngineCallObservers {
  metrics?: Metrics | undefined;
  logger?: Logger | undefined;
  /** Present when telemetry is on. */
  tracer?: Tracer | undefined;
}

export interface EngineCall {
  engine: string;
  engineType: EngineType;
  request: ChatRequest;
  /** The client's traceparent, used upstream when there is no span of our own to parent the call. */
  traceparent?: string | undefined;
}

/** What a request knows of its own timing: when it arrived, and whether an engine call already began. */
export interface CallTiming {
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  /** Which API family it came in on, for gateway_overhead_seconds. */
  readonly api: string;
  /** Set once the request's first engine call began, so the overhead is observed once. */
  engineStartedAt?: number | undefined;
}

export interface EngineCallWatch {
  /** What the upstream should see: the span's own traceparent, else the client's. */
  readonly traceparent: string | undefined;
  /** The engine produced its first part. */
  opened(ttftMs: number | undefined): void;
  /** It failed before producing one. */
  failed(error: unknown): void;
  /** The consumer is done with it. */
  ended(end: CallEnd): void;
}

/** What the gen_ai.system attribute names (OpenTelemetry's well-known values where there is one), or the local runtime. */
export const genAiSystem: Readonly<Record<EngineType, string>> = { openai: "openai", azure: "az.ai.openai", local: "llama.cpp", gemini: "gcp.gemini", anthropic: "anthropic", bedrock: "aws.bedrock" };

export function watchEngineCall(observers: EngineCallObservers, call: EngineCall, timing: CallTiming | undefined): EngineCallWatch {
  const { metrics, logger, tracer } = observers;
  const startedAt = performance.now();
  if (timing && timing.engineStartedAt === undefined) {
    timing.engineStartedAt = startedAt;
    metrics?.gatewayOverhead.observe({ api: timing.api }, (startedAt - timing.startedAt) / 1000);
  }
  if (logger?.isLevelEnabled("debug")) logger.debug({ engine: call.engine, model: call.request.model }, "engine call");
  const span = tracer?.startSpan(`chat ${call.request.model}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      "gen_ai.operation.name": "chat",
      "gen_ai.system": genAiSystem[call.engineType],
      "gen_ai.request.model": call.request.model,
      "switchyard.engine": call.engine,
      ...(call.request.maxTokens !== undefined ? { "gen_ai.request.max_tokens": call.request.maxTokens } : {}),
      ...(call.request.temperature !== undefined ? { "gen_ai.request.temperature": call.request.temperature } : {}),
      ...(call.request.topP !== undefined ? { "gen_ai.request.top_p": call.request.topP } : {}),
    },
  });
  const labels = metrics ? boundEngineMetrics(metrics, call.engine, call.request.model) : undefined;
  const done = (status: string, error?: unknown) => {
    labels?.ended(status, (performance.now() - startedAt) / 1000);
    if (span) endSpan(span, status, error);
  };
  return {
    traceparent: span ? traceparentOf(span) : call.traceparent,
    opened(ttftMs) {
      if (ttftMs === undefined) return;
      labels?.firstToken(ttftMs / 1000);
      span?.setAttributes({ "gen_ai.server.time_to_first_token": ttftMs / 1000, "switchyard.ttft_ms": ttftMs });
    },
    failed(error) {
      done(statusOf(error), error);
    },
    ended(end) {
      if (span) {
        if (end.usage) span.setAttributes(usageAttributes(end.usage));
        if (end.finishReason) span.setAttribute("gen_ai.response.finish_reasons", [end.finishReason]);
      }
      if (end.failure !== undefined) done(statusOf(end.failure), end.failure);
      else done(end.completed ? "ok" : "cancelled");
    },
  };
}

/** The `status` label of an engine call that failed: its error code, or `cancelled` when the caller left. */
export function statusOf(error: unknown): string {
  if (isAbortError(error)) return "cancelled";
  return isGatewayError(error) ? error.code : "internal_error";
}

function usageAttributes(usage: Usage): Record<string, number> {
  return {
    "gen_ai.usage.input_tokens": usage.inputTokens,
    "gen_ai.usage.output_tokens": usage.outputTokens,
    ...(usage.cachedInputTokens !== undefined ? { "gen_ai.usage.cached_input_tokens": usage.cachedInputTokens } : {}),
    ...(usage.reasoningTokens !== undefined ? { "gen_ai.usage.reasoning_tokens": usage.reasoningTokens } : {}),
  };
}

export function endSpan(span: Span, status: string, error: unknown): void {
  if (status === "ok") span.setStatus({ code: SpanStatusCode.OK });
  else {
    span.setAttribute("error.type", status);
    if (status !== "cancelled") span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : status });
  }
  span.end();
}

export function traceparentOf(span: Span): string {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, "0")}`;
}

/** The inbound API a route belongs to, as the `api` label of gateway_overhead_seconds has it. */
export function apiOf(route: string | undefined): string {
  if (route?.startsWith("/v1/messages")) return "anthropic";
  return route?.startsWith("/v1/") ? "openai" : "session";
}
