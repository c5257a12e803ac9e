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

/** A stored answer as engine parts, so a streaming hit goes through the same SSE writer as a live answer. */
export async function* replayParts(response: CollectedResponse): AsyncGenerator<StreamPart> {
  if (response.text !== "") yield { type: "text-delta", text: response.text };
  for (const [index, call] of response.toolCalls.entries()) {
    yield { type: "tool-call-delta", index, id: call.id, name: call.function.name, argumentsDelta: call.function.arguments };
  }
  if (response.finishReason) yield { type: "finish", reason: response.finishReason };
  if (response.usage) yield { type: "usage", usage: response.usage };
}
