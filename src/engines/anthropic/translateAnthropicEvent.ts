/**
 * Anthropic's stream events as the contract's parts. The finish and usage wait for `message_stop`: a stream that
 * ends before it is cut short, however cleanly its body ended, and must not pass for a finished answer.
 */
import { isRecord } from "../../isRecord.js";
import type { FinishReason, StreamPart, Usage } from "../spec.js";
import { errorDetailOf, type AnthropicErrorDetail } from "./mapAnthropicError.js";

export interface EventState {
  /** `message_stop` arrived: the answer is whole, and nothing after it is read. */
  stopped: boolean;
  /** Set once; nothing after a broken event is translated. */
  failure: { message: string; cause?: unknown } | undefined;
  /** An `error` event arrived. */
  upstreamError: AnthropicErrorDetail | undefined;
  stopReason: string | undefined;
  inputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  outputTokens: number;
  thinkingTokens: number | undefined;
  /** Content block index → the tool ordinal of a tool_use block; other blocks are not listed. */
  toolIndexOf: Map<number, number>;
}

export const malformedEventMessage = "upstream sent a malformed event";

export function newEventState(): EventState {
  return {
    stopped: false,
    failure: undefined,
    upstreamError: undefined,
    stopReason: undefined,
    inputTokens: 0,
    cacheReadTokens: 0,
    cacheCreationTokens: 0,
    outputTokens: 0,
    thinkingTokens: undefined,
    toolIndexOf: new Map(),
  };
}

/** Translates one SSE `data` payload into parts appended to `out`. */
export function translateAnthropicEvent(data: string, state: EventState, out: StreamPart[]): void {
  if (state.stopped || state.failure !== undefined || state.upstreamError !== undefined) return;
  if (data.length === 0) return;
  let event: unknown;
  try {
    event = JSON.parse(data);
  } catch (error) {
    state.failure = { message: malformedEventMessage, cause: error };
    return;
  }
  if (!isRecord(event) || typeof event.type !== "string") {
    state.failure = { message: malformedEventMessage };
    return;
  }
  switch (event.type) {
    case "message_start":
      readUsage(isRecord(event.message) ? event.message.usage : undefined, state);
      return;
    case "content_block_start":
      return blockStart(event, state, out);
    case "content_block_delta":
      return blockDelta(event, state, out);
    case "message_delta":
      if (isRecord(event.delta) && typeof event.delta.stop_reason === "string") state.stopReason = event.delta.stop_reason;
      readUsage(event.usage, state);
      return;
    case "message_stop":
      state.stopped = true;
      out.push({ type: "finish", reason: finishReasonOf(state.stopReason) }, { type: "usage", usage: usageOf(state) });
      return;
    case "error":
      state.upstreamError = errorDetailOf(event);
      return;
    // ping, content_block_stop, and event types added later (Anthropic's versioning policy announces new ones).
    default:
      return;
  }
}

function blockStart(event: Record<string, unknown>, state: EventState, out: StreamPart[]): void {
  const block = event.content_block;
  if (typeof event.index !== "number" || !isRecord(block)) {
    state.failure = { message: malformedEventMessage };
    return;
  }
  if (block.type === "text") {
    if (typeof block.text === "string" && block.text.length > 0) out.push({ type: "text-delta", text: block.text });
    return;
  }
  if (block.type === "tool_use") {
    if (typeof block.id !== "string" || typeof block.name !== "string") {
      state.failure = { message: malformedEventMessage };
      return;
    }
    const index = state.toolIndexOf.size;
    state.toolIndexOf.set(event.index, index);
    out.push({ type: "tool-call-delta", index, id: block.id, name: block.name });
  }
  // thinking, redacted_thinking and server-side tool blocks are Anthropic's own business: the contract has no part for them.
}

function blockDelta(event: Record<string, unknown>, state: EventState, out: StreamPart[]): void {
  const delta = event.delta;
  if (typeof event.index !== "number" || !isRecord(delta)) {
    state.failure = { message: malformedEventMessage };
    return;
  }
  if (delta.type === "text_delta") {
    if (typeof delta.text !== "string") state.failure = { message: malformedEventMessage };
    else if (delta.text.length > 0) out.push({ type: "text-delta", text: delta.text });
    return;
  }
  if (delta.type === "input_json_delta") {
    const index = state.toolIndexOf.get(event.index);
    if (index === undefined || typeof delta.partial_json !== "string") state.failure = { message: malformedEventMessage };
    else if (delta.partial_json.length > 0) out.push({ type: "tool-call-delta", index, argumentsDelta: delta.partial_json });
  }
  // thinking_delta, signature_delta, citations_delta: skipped.
}

/** message_start carries the prompt's counts; message_delta the output so far (and, lately, the prompt's again). */
function readUsage(usage: unknown, state: EventState): void {
  if (!isRecord(usage)) return;
  if (isCount(usage.input_tokens)) state.inputTokens = usage.input_tokens;
  if (isCount(usage.cache_read_input_tokens)) state.cacheReadTokens = usage.cache_read_input_tokens;
  if (isCount(usage.cache_creation_input_tokens)) state.cacheCreationTokens = usage.cache_creation_input_tokens;
  if (isCount(usage.output_tokens)) state.outputTokens = usage.output_tokens;
  const details = usage.output_tokens_details;
  if (isRecord(details) && isCount(details.thinking_tokens)) state.thinkingTokens = details.thinking_tokens;
}

/**
 * Anthropic counts cache reads and writes apart from `input_tokens`; the contract (like OpenAI) counts the whole
 * prompt as input, with the cached share inside it.
 */
function usageOf(state: EventState): Usage {
  const inputTokens = state.inputTokens + state.cacheReadTokens + state.cacheCreationTokens;
  const usage: Usage = { inputTokens, outputTokens: state.outputTokens, totalTokens: inputTokens + state.outputTokens };
  if (state.cacheReadTokens > 0) usage.cachedInputTokens = state.cacheReadTokens;
  if (state.thinkingTokens !== undefined && state.thinkingTokens > 0) usage.reasoningTokens = state.thinkingTokens;
  return usage;
}

function finishReasonOf(stopReason: string | undefined): FinishReason {
  switch (stopReason ?? "end_turn") {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    // end_turn, stop_sequence, pause_turn (a server tool's loop paused; the answer so far is whole), none at all, and any reason added later.
    default:
      return "stop";
  }
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}
