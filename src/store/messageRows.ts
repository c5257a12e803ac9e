/** Maps messages between their domain shape and their row in the messages table, both ways. */
import { uuidV7 } from "../observability/uuidV7.js";
import type { ToolCall } from "../engines/spec.js";
import type { MessageRow } from "./schema.js";
import type { Citation, Message, NewMessage } from "./messages.js";

export function serializeToolCalls(toolCalls: ToolCall[] | null): string | null {
  return toolCalls === null ? null : JSON.stringify(toolCalls);
}

export function serializeCitations(citations: Citation[] | null): string | null {
  return citations === null ? null : JSON.stringify(citations);
}

export function toMessageRow(message: NewMessage, sessionId: string, seq: number, createdAt: number): MessageRow {
  return {
    id: uuidV7(),
    session_id: sessionId,
    seq,
    role: message.role,
    content: message.content,
    tool_calls: serializeToolCalls(message.toolCalls ?? null),
    tool_call_id: message.toolCallId ?? null,
    engine: message.engine ?? null,
    model: message.model ?? null,
    trace_id: message.traceId ?? null,
    input_tokens: message.inputTokens ?? null,
    output_tokens: message.outputTokens ?? null,
    status: message.status,
    created_at: createdAt,
    ttft_ms: null,
    latency_ms: null,
    error_code: null,
    experiment_id: message.experimentId ?? null,
    variant: message.variant ?? null,
    feedback_score: null,
    feedback_at: null,
    citations: serializeCitations(message.citations ?? null),
  };
}

export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    sessionId: row.session_id,
    seq: row.seq,
    role: row.role,
    content: row.content,
    // Written only by this store, from ToolCall[]; parsing back needs no further validation.
    toolCalls: row.tool_calls === null ? null : (JSON.parse(row.tool_calls) as ToolCall[]),
    toolCallId: row.tool_call_id,
    engine: row.engine,
    model: row.model,
    traceId: row.trace_id,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    status: row.status,
    createdAt: row.created_at,
    ttftMs: row.ttft_ms,
    latencyMs: row.latency_ms,
    errorCode: row.error_code,
    experimentId: row.experiment_id,
    variant: row.variant,
    feedbackScore: row.feedback_score,
    // Written only by this store, from Citation[], like tool_calls.
    citations: row.citations === null ? null : (JSON.parse(row.citations) as Citation[]),
  };
}
