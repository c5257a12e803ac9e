/**
 * The pipeline's side of the semantic cache: consulted only when the exact cache did not answer, and the one
 * verdict the client is told (`x-switchyard-cache`) when both had a say.
 */
import type { CacheResult } from "../completions/completionInput.js";
import type { CacheOutcome } from "./cacheLookupForRequest.js";
import type { SemanticCache, SemanticLookupInput, SemanticOutcome } from "./createSemanticCache.js";

export async function semanticLookupForRequest(
  cache: SemanticCache | undefined,
  exact: CacheOutcome | undefined,
  input: SemanticLookupInput,
): Promise<SemanticOutcome | undefined> {
  if (cache === undefined || exact?.result === "hit") return undefined;
  return cache.lookup(input);
}

/**
 * The exact cache's verdict, unless the semantic cache was consulted: then a semantic hit, or a miss (the answer
 * will be stored), even where the exact cache bypassed the request for its temperature.
 */
export function cacheResultOf(exact: CacheOutcome | undefined, semantic: SemanticOutcome | undefined): CacheResult | undefined {
  if (semantic?.result === "hit") return "semantic-hit";
  if (semantic?.result === "miss" || semantic?.result === "error") return "miss";
  return exact?.result;
}
