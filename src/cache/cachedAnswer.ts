import type { CollectedResponse } from "../engines/collectStream.js";
import type { StreamPart } from "../engines/spec.js";

/** What a cache entry holds: a complete, successful answer and the `engine/model` that produced it. */
export interface CachedAnswer {
  /** `engine/model` that served the original request, reported again on a hit. */
  model: string;
  response: CollectedResponse;
  /** Epoch ms after which the entry is no longer fresh (L2 → L1 copies keep the remaining lifetime). */
  expiresAt: number;
  /** Epoch ms until which an expired entry may still be served when every engine fails (stale-if-error). */
  staleUntil?: number | undefined;
}

/** Only complete answers are worth replaying: the engine said it finished (an empty answer that finished is one). */
export function isCacheable(response: CollectedResponse): boolean {
  return response.finishReason !== undefined;
}

/** A stored answer as engine parts, so a streaming hit goes through the same writer as a live answer. */
export function answerParts(response: CollectedResponse): StreamPart[] {
  const parts: StreamPart[] = [];
  if (response.text !== "") parts.push({ type: "text-delta", text: response.text });
  response.toolCalls.forEach((call, index) => {
    parts.push({ type: "tool-call-delta", index, id: call.id, name: call.function.name, argumentsDelta: call.function.arguments });
  });
  if (response.finishReason) parts.push({ type: "finish", reason: response.finishReason });
  if (response.usage) parts.push({ type: "usage", usage: response.usage });
  return parts;
}
