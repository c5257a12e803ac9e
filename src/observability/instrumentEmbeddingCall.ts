/**
 * One embeddings call as the router makes it, observed like a chat call: a CLIENT span `embeddings <model>` with
 * the GenAI conventions (`gen_ai.operation.name = embeddings`), llm_engine_requests_total and
 * llm_engine_latency_seconds under the same labels, gateway_overhead_seconds for the request's first engine call,
 * and a debug line.
 */
import { SpanKind } from "@opentelemetry/api";
import type { EmbeddingRequest, EngineType } from "../engines/spec.js";
import type { EmbeddedResult } from "../routing/createGuardedEngine.js";
import { endSpan, genAiSystem, statusOf, traceparentOf, type CallTiming, type EngineCallObservers } from "./observeEngineCall.js";

export interface EmbeddingCall {
  engine: string;
  engineType: EngineType;
  request: EmbeddingRequest;
  traceparent?: string | undefined;
}

export async function instrumentEmbeddingCall(
  observers: EngineCallObservers,
  call: EmbeddingCall,
  embed: (traceparent: string | undefined) => Promise<EmbeddedResult>,
  timing?: CallTiming,
): Promise<EmbeddedResult> {
  const { metrics, logger, tracer } = observers;
  const labels = { engine: call.engine, model: call.request.model };
  const startedAt = performance.now();
  if (timing && timing.engineStartedAt === undefined) {
    timing.engineStartedAt = startedAt;
    metrics?.gatewayOverhead.observe({ api: timing.api }, (startedAt - timing.startedAt) / 1000);
  }
  logger?.debug({ engine: call.engine, model: call.request.model, inputs: call.request.input.length }, "engine embeddings call");
  const span = tracer?.startSpan(`embeddings ${call.request.model}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      "gen_ai.operation.name": "embeddings",
      "gen_ai.system": genAiSystem[call.engineType],
      "gen_ai.request.model": call.request.model,
      "switchyard.engine": call.engine,
      "switchyard.embeddings.inputs": call.request.input.length,
      ...(call.request.dimensions !== undefined ? { "gen_ai.embeddings.dimension.count": call.request.dimensions } : {}),
    },
  });
  const done = (status: string, error?: unknown) => {
    metrics?.engineRequests.inc({ ...labels, status });
    metrics?.engineLatency.observe(labels, (performance.now() - startedAt) / 1000);
    if (span) endSpan(span, status, error);
  };
  try {
    const embedded = await embed(span ? traceparentOf(span) : call.traceparent);
    span?.setAttributes({
      "gen_ai.usage.input_tokens": embedded.result.usage.inputTokens,
      "gen_ai.response.model": embedded.result.model,
      "gen_ai.embeddings.dimension.count": embedded.result.vectors[0]?.length ?? 0,
    });
    done("ok");
    return embedded;
  } catch (error) {
    done(statusOf(error), error);
    throw error;
  }
}
