/** A chat completion as the pipeline takes it from any inbound API: the model name as sent and the request. */
import type { ChatRequest } from "../engines/spec.js";

export interface CompletionInput {
  /** What the client asked for: a route, `engine/model`, a bare model, an engine name, or `auto`. */
  model: string;
  request: Omit<ChatRequest, "model">;
  /** The client's `x-switchyard-cache` header, if any. */
  cacheHeader?: string | string[] | undefined;
}

/**
 * What the response cache did for a request; absent when the cache is off. `stale`: an expired answer stood in.
 * `semantic-hit`: the semantic cache answered with the stored answer to a request that meant the same.
 */
export type CacheResult = "hit" | "miss" | "bypass" | "stale" | "semantic-hit";
