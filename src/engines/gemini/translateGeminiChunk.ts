/**
 * One `streamGenerateContent` SSE event into parts. Gemini streams whole function calls (no argument pieces, no
 * ids) and repeats a running usageMetadata, so the state keeps the count of calls, the last usage and the
 * finishReason; the finish part is judged at the stream's end, when it is known whether calls were made.
 */
import { randomBytes } from "node:crypto";
import type { GatewayError } from "../../errors.js";
import { isRecord } from "../../isRecord.js";
import type { FinishReason, StreamPart, Usage } from "../spec.js";
import { googleErrorOf, mapGeminiStreamError } from "./mapGeminiError.js";

export interface GeminiChunkState {
  toolCalls: number;
  /** The candidate's finishReason, or BLOCKED when the prompt itself was refused. */
  finishReason: string | undefined;
  usage: Usage | undefined;
  /** A malformed event or an in-band error: nothing after it counts. */
  failure: { message: string; cause: unknown; error?: GatewayError } | undefined;
}

export function newGeminiChunkState(): GeminiChunkState {
  return { toolCalls: 0, finishReason: undefined, usage: undefined, failure: undefined };
}

const blocked = "BLOCKED";
const filtered = new Set(["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", blocked]);

export function translateGeminiChunk(data: string, state: GeminiChunkState, out: StreamPart[]): void {
  if (state.failure) return;
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch (error) {
    state.failure = { message: "upstream sent a malformed stream event", cause: error };
    return;
  }
  if (!isRecord(chunk)) {
    state.failure = { message: "upstream sent a stream event that is not an object", cause: undefined };
    return;
  }
  if (chunk.error !== undefined) {
    const error = mapGeminiStreamError(googleErrorOf(chunk.error));
    state.failure = { message: "upstream reported an error in the middle of the answer", cause: error.cause, error };
    return;
  }
  const usage = usageOf(chunk.usageMetadata);
  if (usage) state.usage = usage;
  const candidates = Array.isArray(chunk.candidates) ? (chunk.candidates as unknown[]) : [];
  // Only the first candidate is asked for (no candidateCount), so only it is read.
  const candidate = candidates.find((c) => isRecord(c) && (c.index === undefined || c.index === 0));
  if (!isRecord(candidate)) {
    if (isRecord(chunk.promptFeedback) && typeof chunk.promptFeedback.blockReason === "string") state.finishReason = blocked;
    return;
  }
  const content = candidate.content;
  const parts = isRecord(content) && Array.isArray(content.parts) ? (content.parts as unknown[]) : [];
  for (const part of parts) {
    if (!isRecord(part) || part.thought === true) continue;
    if (typeof part.text === "string") {
      if (part.text.length > 0) out.push({ type: "text-delta", text: part.text });
    } else if (isRecord(part.functionCall) && typeof part.functionCall.name === "string") {
      out.push({
        type: "tool-call-delta",
        index: state.toolCalls++,
        id: `call_${randomBytes(12).toString("hex")}`,
        name: part.functionCall.name,
        argumentsDelta: JSON.stringify(part.functionCall.args ?? {}),
      });
    }
  }
  if (typeof candidate.finishReason === "string" && candidate.finishReason !== "FINISH_REASON_UNSPECIFIED") state.finishReason = candidate.finishReason;
}

/** The OpenAI finish reason for the stream's last finishReason. */
export function finishReasonOf(state: GeminiChunkState): FinishReason {
  const reason = state.finishReason ?? "STOP";
  if (reason === "MAX_TOKENS") return "length";
  if (filtered.has(reason)) return "content_filter";
  // STOP, and the odd ones (OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL): the answer ended, with calls or without.
  return state.toolCalls > 0 ? "tool_calls" : "stop";
}

function usageOf(metadata: unknown): Usage | undefined {
  if (!isRecord(metadata)) return undefined;
  const count = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : 0);
  const inputTokens = count(metadata.promptTokenCount);
  const reasoningTokens = count(metadata.thoughtsTokenCount);
  // Gemini counts thoughts apart from the candidates; they are billed as output, as OpenAI's reasoning tokens are.
  const outputTokens = count(metadata.candidatesTokenCount) + reasoningTokens;
  const usage: Usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
  if (typeof metadata.cachedContentTokenCount === "number") usage.cachedInputTokens = metadata.cachedContentTokenCount;
  if (typeof metadata.thoughtsTokenCount === "number") usage.reasoningTokens = reasoningTokens;
  return usage;
}
