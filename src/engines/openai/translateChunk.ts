import type { FinishReason, StreamPart, Usage } from "../spec.js";

/** The subset of OpenAI's `chat.completion.chunk` the engine reads; every field is checked before use. */
export interface OpenAIChunk {
  error?: unknown;
  choices?: Array<{
    index?: number;
    delta?: {
      content?: string | null;
      tool_calls?: OpenAIToolCallDelta[] | null;
    } | null;
    finish_reason?: string | null;
  }> | null;
  usage?: OpenAIUsage | null;
}

export interface OpenAIToolCallDelta {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

export interface OpenAIUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

/** Why the stream cannot be trusted past a point; the engine turns it into a thrown error or an `error` part. */
export interface StreamFailure {
  message: string;
  cause?: unknown;
}

export interface ChunkState {
  /** `[DONE]` arrived. */
  done: boolean;
  finished: boolean;
  /** Set once; nothing after it is translated, since parts past a broken chunk could be anything. */
  failure: StreamFailure | undefined;
  /**
   * The latest usage seen. Held back and emitted once at the end: upstreams send it after finish_reason, on the
   * same chunk, or (vLLM's continuous usage stats) on every chunk, and consumers want exactly one.
   */
  usage: Usage | undefined;
}

export const malformedChunkMessage = "upstream sent a malformed chunk";

export function newChunkState(): ChunkState {
  return { done: false, finished: false, failure: undefined, usage: undefined };
}

/** Translates one SSE `data` payload into parts appended to `out`. */
export function translateChunk(data: string, state: ChunkState, out: StreamPart[]): void {
  if (state.done || state.failure) return;
  if (data === "[DONE]") {
    state.done = true;
    return;
  }
  // An empty `data:` line carries nothing; some servers use one as a keep-alive.
  if (data.length === 0) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (error) {
    state.failure = { message: malformedChunkMessage, cause: error };
    return;
  }
  if (!isChunk(parsed)) {
    // Skipping it would let a broken upstream pass for one that merely said nothing.
    state.failure = { message: malformedChunkMessage };
    return;
  }
  const chunk = parsed;
  if (chunk.error !== undefined && chunk.error !== null) {
    state.failure = { message: inBandErrorMessage(chunk.error) };
    return;
  }
  const choices = chunk.choices;
  if (Array.isArray(choices)) {
    for (const choice of choices) {
      // The engine contract streams one choice; extra choices (n > 1 via extra) are not ours to merge.
      if (choice.index !== undefined && choice.index !== 0) continue;
      const delta = choice.delta;
      if (typeof delta === "object" && delta !== null) {
        const content = delta.content;
        if (typeof content === "string" && content.length > 0) out.push({ type: "text-delta", text: content });
        if (Array.isArray(delta.tool_calls)) pushToolCallDeltas(delta.tool_calls, out);
      }
      const reason = choice.finish_reason;
      if (typeof reason === "string" && reason.length > 0 && !state.finished) {
        state.finished = true;
        out.push({ type: "finish", reason: toFinishReason(reason) });
      }
    }
  }
  if (isObject(chunk.usage)) state.usage = toUsage(chunk.usage);
}

/** An object carrying choices (each an object), an error or usage: anything else is not a chunk we can read. */
function isChunk(value: unknown): value is OpenAIChunk {
  if (!isObject(value)) return false;
  const { choices, error, usage } = value as { choices?: unknown; error?: unknown; usage?: unknown };
  if (error !== undefined && error !== null) return true;
  if (Array.isArray(choices)) return choices.every(isObject) && (usage === undefined || usage === null || isObject(usage));
  return (choices === undefined || choices === null) && isObject(usage);
}

function isObject(value: unknown): value is object {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function pushToolCallDeltas(calls: OpenAIToolCallDelta[], out: StreamPart[]): void {
  for (let i = 0; i < calls.length; i++) {
    const call = calls[i];
    if (!call) continue;
    const part: Extract<StreamPart, { type: "tool-call-delta" }> = { type: "tool-call-delta", index: typeof call.index === "number" ? call.index : i };
    if (typeof call.id === "string" && call.id.length > 0) part.id = call.id;
    const fn = call.function;
    if (fn) {
      if (typeof fn.name === "string" && fn.name.length > 0) part.name = fn.name;
      if (typeof fn.arguments === "string" && fn.arguments.length > 0) part.argumentsDelta = fn.arguments;
    }
    out.push(part);
  }
}

function inBandErrorMessage(error: unknown): string {
  if (typeof error === "string" && error.length > 0) return error;
  if (typeof error === "object" && error !== null) {
    const message = (error as { message?: unknown }).message;
    if (typeof message === "string" && message.length > 0) return message;
  }
  return "upstream reported an error mid-stream";
}

export function toFinishReason(reason: string): FinishReason {
  switch (reason) {
    case "stop":
    case "length":
    case "tool_calls":
    case "content_filter":
    case "function_call":
      return reason;
    default:
      // llama.cpp and others report e.g. "eos"; anything unknown still means the generation ended normally.
      return "stop";
  }
}

export function toUsage(usage: OpenAIUsage): Usage {
  const inputTokens = count(usage.prompt_tokens);
  const outputTokens = count(usage.completion_tokens);
  const result: Usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
  const cached = usage.prompt_tokens_details?.cached_tokens;
  if (typeof cached === "number" && cached > 0) result.cachedInputTokens = cached;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  if (typeof reasoning === "number" && reasoning > 0) result.reasoningTokens = reasoning;
  return result;
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}
