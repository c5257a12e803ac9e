/**
 * Whether a request may use the cache: the client's header first (`bypass` always wins, `use` opts in), then the
 * mode (deterministic: temperature 0 is deterministic enough to replay).
 */
import type { CacheConfig } from "../config/cacheSchema.js";

export type CacheDecision = "use" | "bypass";

export const cacheHeader = "x-switchyard-cache";

export function cacheDecision(mode: CacheConfig["mode"], header: string | string[] | undefined, temperature: number | undefined): CacheDecision {
  const asked = (Array.isArray(header) ? header[0] : header)?.trim().toLowerCase();
  if (asked === "bypass") return "bypass";
  if (asked === "use") return "use";
  return mode === "deterministic" && temperature === 0 ? "use" : "bypass";
}
