/**
 * Whether a request may use the cache: the client's header first (`bypass` always wins, `use` opts in), then the
 * mode (deterministic: temperature 0 is deterministic enough to replay).
 */
import type { CacheConfig } from "../config/cacheSchema.js";

export type CacheDecision = "use" | "bypass";

export const cacheHeader = "x-switchyard-cache";

/** What the client's `x-switchyard-cache` header asks for, normalized ("use", "bypass", anything else as sent). */
export function askedCacheMode(header: string | string[] | undefined): string | undefined {
  return (Array.isArray(header) ? header[0] : header)?.trim().toLowerCase();
}

export function cacheDecision(mode: CacheConfig["mode"], header: string | string[] | undefined, temperature: number | undefined): CacheDecision {
  const asked = askedCacheMode(header);
  if (asked === "bypass") return "bypass";
  if (asked === "use") return "use";
  return mode === "deterministic" && temperature === 0 ? "use" : "bypass";
}
