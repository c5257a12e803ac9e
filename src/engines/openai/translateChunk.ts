import { GatewayError } from "../../errors.js";
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

export interface ChunkState {
  /** `[DONE]` arrived. */
  done: boolean;
  finished: boolean;
  /** An in-band error was turned into an error part; nothing may follow it. */
  failed: boolean;
  /**
   * The latest usage seen. Held back and emitted once at the end: upstreams send it after finish_reason, on the
   * same chunk, or (vLLM's continuous usage stats) on every chunk, and consumers want exactly one.
   */
  usage: Usage | undefined;
}

export function newChunkState(): ChunkState {
  return { done: false, finished: false, failed: false, usage: undefined };
}

/** Translates one SSE `data` payload into parts appended to `out`. */
export function translateChunk(data: string, state: ChunkState, out: StreamPart[]): void {
  if (state.done || state.failed) return;
  if (data === "[DONE]") {
    state.done = true;
    return;
  }
  if (data.length === 0) return;
  let chunk: OpenAIChunk;
  try {
    chunk = JSON.parse(data) as OpenAIChunk;
  } catch {
    fail(state, out, "upstream sent a stream chunk that is not JSON");
    return;
  }
  if (typeof chunk !== "object" || chunk === null) return;
  if (chunk.error !== undefined && chunk.error !== null) {
    fail(state, out, inBandErrorMessage(chunk.error));
    return;
  }
  const choices = chunk.choices;
  if (Array.isArray(choices)) {
    for (const choice of choices) {
      // The engine contract streams one choice; extra choices (n > 1 via extra) are not ours to merge.
      if (choice.index !== undefined && choice.index !== 0) continue;
      const delta = choice.delta;
      if (delta) {
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
  if (chunk.usage) state.usage = toUsage(chunk.usage);
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

function fail(state: ChunkState, out: StreamPart[], message: string): void {
  state.failed = true;
  out.push({ type: "error", error: new GatewayError("upstream_error", message, { retryable: false }) });
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
