/**
 * One server-side tool call, observed: an INTERNAL span `execute_tool <name>` with the GenAI conventions (a child
 * of the request's span, beside the engine calls), tool_executions_total / tool_duration_seconds, and a debug
 * line. Returns the function that records how the call ended. Tool names a model made up are labelled `unknown`,
 * so a model cannot grow the metrics' label sets.
 */
import { SpanKind, type Tracer } from "@opentelemetry/api";
import type { Logger } from "../logger.js";
import type { Metrics } from "./createMetrics.js";
import { endSpan } from "./observeEngineCall.js";

export type ToolCallStatus = "ok" | "error" | "timeout" | "cancelled";

export interface ToolCallObservers {
  metrics?: Metrics | undefined;
  tracer?: Tracer | undefined;
  logger?: Logger | undefined;
}

export function observeToolCall(
  observers: ToolCallObservers,
  call: { name: string; callId: string; known: boolean },
): (status: ToolCallStatus, durationMs: number, error?: string) => void {
  const tool = call.known ? call.name : "unknown";
  const span = observers.tracer?.startSpan(`execute_tool ${tool}`, {
    kind: SpanKind.INTERNAL,
    attributes: { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool, "gen_ai.tool.call.id": call.callId, "gen_ai.tool.type": "function" },
  });
  let ended = false;
  return (status, durationMs, error) => {
    if (ended) return;
    ended = true;
    observers.metrics?.toolExecutions.inc({ tool, status });
    observers.metrics?.toolDuration.observe({ tool }, durationMs / 1000);
    observers.logger?.debug({ tool, status, durationMs: Math.round(durationMs) }, "tool call");
    if (span) {
      span.setAttribute("switchyard.tool.outcome", status);
      endSpan(span, status, error === undefined ? undefined : new Error(error));
    }
  };
}
