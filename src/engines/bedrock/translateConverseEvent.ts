import type { ConverseStreamOutput, StopReason, TokenUsage } from "@aws-sdk/client-bedrock-runtime";
import type { FinishReason, StreamPart, Usage } from "../spec.js";

/** What a stream remembers between events. */
export interface ConverseStreamState {
  /** Tool call index (ordinal among tool blocks, as OpenAI numbers them) by Converse content block index. */
  readonly toolIndexes: Map<number, number>;
  finished: boolean;
}

export type TranslatedEvent =
  | { kind: "parts"; parts: StreamPart[] }
  /** An exception the upstream sent in-band, shaped like the SDK's thrown ones (a name and a message). */
  | { kind: "exception"; error: Error };

export function createConverseStreamState(): ConverseStreamState {
  return { toolIndexes: new Map(), finished: false };
}

const none: TranslatedEvent = { kind: "parts", parts: [] };

/** One ConverseStream event as stream parts. Reasoning, citations and unknown events carry nothing we pass on. */
export function translateConverseEvent(event: ConverseStreamOutput, state: ConverseStreamState): TranslatedEvent {
  if (event.contentBlockStart !== undefined) {
    const toolUse = event.contentBlockStart.start?.toolUse;
    if (toolUse === undefined) return none;
    const index = toolIndexOf(state, event.contentBlockStart.contentBlockIndex);
    return { kind: "parts", parts: [{ type: "tool-call-delta", index, ...(toolUse.toolUseId ? { id: toolUse.toolUseId } : {}), ...(toolUse.name ? { name: toolUse.name } : {}) }] };
  }
  if (event.contentBlockDelta !== undefined) {
    const delta = event.contentBlockDelta.delta;
    if (delta?.text !== undefined) return delta.text === "" ? none : { kind: "parts", parts: [{ type: "text-delta", text: delta.text }] };
    if (delta?.toolUse !== undefined) {
      const argumentsDelta = delta.toolUse.input ?? "";
      if (argumentsDelta === "") return none;
      return { kind: "parts", parts: [{ type: "tool-call-delta", index: toolIndexOf(state, event.contentBlockDelta.contentBlockIndex), argumentsDelta }] };
    }
    return none;
  }
  if (event.messageStop !== undefined) {
    const reason = finishReasonOf(event.messageStop.stopReason);
    if (reason === undefined) return { kind: "exception", error: named("ModelStreamErrorException", `the model's output was malformed (${event.messageStop.stopReason ?? "no stop reason"})`) };
    state.finished = true;
    return { kind: "parts", parts: [{ type: "finish", reason }] };
  }
  if (event.metadata !== undefined) {
    const usage = event.metadata.usage;
    return usage === undefined ? none : { kind: "parts", parts: [{ type: "usage", usage: toUsage(usage) }] };
  }
  if (event.internalServerException !== undefined) return exception("InternalServerException", event.internalServerException.message);
  if (event.modelStreamErrorException !== undefined) return exception("ModelStreamErrorException", event.modelStreamErrorException.message);
  if (event.throttlingException !== undefined) return exception("ThrottlingException", event.throttlingException.message);
  if (event.validationException !== undefined) return exception("ValidationException", event.validationException.message);
  if (event.serviceUnavailableException !== undefined) return exception("ServiceUnavailableException", event.serviceUnavailableException.message);
  return none;
}

/**
 * Bedrock's input tokens leave out the cached prompt (read or written); the gateway's count the whole prompt,
 * with the cache reads named apart. The total is recomputed so it always equals input plus output.
 */
export function toUsage(usage: TokenUsage): Usage {
  const cacheRead = usage.cacheReadInputTokens ?? 0;
  const inputTokens = (usage.inputTokens ?? 0) + cacheRead + (usage.cacheWriteInputTokens ?? 0);
  const outputTokens = usage.outputTokens ?? 0;
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens, ...(cacheRead > 0 ? { cachedInputTokens: cacheRead } : {}) };
}

/** Undefined for a stop that is a failure (the model's output or tool call was malformed). */
function finishReasonOf(reason: StopReason | undefined): FinishReason | undefined {
  switch (reason) {
    case "end_turn":
    case "stop_sequence":
      return "stop";
    case "tool_use":
      return "tool_calls";
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "guardrail_intervened":
    case "content_filtered":
      return "content_filter";
    case "malformed_model_output":
    case "malformed_tool_use":
      return undefined;
    case undefined:
      return "stop";
    default:
      // A stop reason newer than this SDK: the answer did end.
      return "stop";
  }
}

function toolIndexOf(state: ConverseStreamState, blockIndex: number | undefined): number {
  const key = blockIndex ?? -1;
  let index = state.toolIndexes.get(key);
  if (index === undefined) {
    index = state.toolIndexes.size;
    state.toolIndexes.set(key, index);
  }
  return index;
}

function exception(name: string, message: string | undefined): TranslatedEvent {
  return { kind: "exception", error: named(name, message ?? name) };
}

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
