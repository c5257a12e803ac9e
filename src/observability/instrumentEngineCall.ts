/**
 * One engine call as the router makes it, observed: a CLIENT span with the GenAI semantic conventions (a child
 * of the request's span, and the parent the upstream sees in `traceparent`), llm_engine_* metrics,
 * gateway_overhead_seconds for the request's first engine call, and a debug line. The stream is observed to its
 * end: usage, finish reason and the outcome land on the span when the consumer stops reading.
 */
import { SpanKind, SpanStatusCode, type Span, type Tracer } from "@opentelemetry/api";
import type { ChatRequest, EngineType, StreamPart, Usage } from "../engines/spec.js";
import { tapParts } from "../engines/tapParts.js";
import { isAbortError, isGatewayError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "./createMetrics.js";
import { currentRequestContext } from "./requestContext.js";

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

/** What the gen_ai.system attribute names: the wire protocol an `openai` engine speaks, or the local runtime. */
export const genAiSystem: Readonly<Record<EngineType, string>> = { openai: "openai", local: "llama.cpp" };

export async function instrumentEngineCall<T extends { parts: AsyncIterable<StreamPart>; ttftMs: number | undefined }>(
  observers: EngineCallObservers,
  call: EngineCall,
  open: (traceparent: string | undefined) => Promise<T>,
): Promise<T> {
  const { metrics, logger, tracer } = observers;
  const labels = { engine: call.engine, model: call.request.model };
  const startedAt = performance.now();
  const context = currentRequestContext();
  if (context && context.engineStartedAt === undefined) {
    context.engineStartedAt = startedAt;
    metrics?.gatewayOverhead.observe({ api: apiOf(context.route) }, (startedAt - context.startedAt) / 1000);
  }
  logger?.debug({ engine: call.engine, model: call.request.model }, "engine call");
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
  const done = (status: string, error?: unknown) => {
    metrics?.engineRequests.inc({ ...labels, status });
    metrics?.engineLatency.observe(labels, (performance.now() - startedAt) / 1000);
    if (span) endSpan(span, status, error);
  };
  let opened: T;
  try {
    opened = await open(span ? traceparentOf(span) : call.traceparent);
  } catch (error) {
    done(statusOf(error), error);
    throw error;
  }
  if (opened.ttftMs !== undefined) {
    metrics?.engineTtft.observe(labels, opened.ttftMs / 1000);
    span?.setAttributes({ "gen_ai.server.time_to_first_token": opened.ttftMs / 1000, "switchyard.ttft_ms": opened.ttftMs });
  }
  return { ...opened, parts: observeEnd(opened.parts, span, done) };
}

/** The `status` label of an engine call that failed: its error code, or `cancelled` when the caller left. */
export function statusOf(error: unknown): string {
  if (isAbortError(error)) return "cancelled";
  return isGatewayError(error) ? error.code : "internal_error";
}

function observeEnd(
  parts: AsyncIterable<StreamPart>,
  span: Span | undefined,
  done: (status: string, error?: unknown) => void,
): AsyncIterableIterator<StreamPart> {
  let inBand: unknown;
  return tapParts(parts, {
    part(part) {
      if (part.type === "error") inBand = part.error;
      else if (part.type === "usage") span?.setAttributes(usageAttributes(part.usage));
      else if (part.type === "finish") span?.setAttribute("gen_ai.response.finish_reasons", [part.reason]);
    },
    end(completed, error) {
      if (error !== undefined) done(statusOf(error), error);
      else if (inBand !== undefined) done(statusOf(inBand), inBand);
      else done(completed ? "ok" : "cancelled");
    },
  });
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

export function apiOf(route: string | undefined): string {
  return route?.startsWith("/v1/") ? "openai" : "session";
}
