/**
 * The response cache: exact-match answers to deterministic chat requests, per tenant. Off unless enabled.
 */
import { z } from "zod";
import { semanticCacheDefaultsSchema } from "./semanticCacheSchema.js";

export const cacheSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** Lifetime of an entry; fractions of a second are allowed (tests, very hot prompts). */
    ttlSeconds: z.number().positive().default(300),
    /** Entries kept in this process (L1); Redis (L2) holds its own, bounded by TTL. */
    maxEntries: z.number().int().positive().default(1000),
    /** A larger answer (serialized) is served but not stored. */
    maxEntryBytes: z.number().int().positive().default(262_144),
    /**
     * deterministic: cache requests with temperature 0, or with the header `x-switchyard-cache: use`;
     * opt-in: only requests with the header.
     */
    mode: z.enum(["deterministic", "opt-in"]).default("deterministic"),
    /** Route or model name (as clients send it) → TTL in seconds, overriding ttlSeconds. */
    ttl: z.record(z.string(), z.number().positive()).default({}),
    /**
     * Stale-if-error: entries are kept this long past their TTL, and served (marked `stale`) when every target of
     * the request's route fails. 0: expired entries are never served. `routes[].staleIfErrorSeconds` overrides it.
     */
    staleIfErrorSeconds: z.number().min(0).default(0),
    /** The semantic cache's defaults; routes opt in with `routes[].semanticCache`. Independent of `enabled`. */
    semantic: semanticCacheDefaultsSchema.prefault({}),
  })
  .strict();

export type CacheConfig = z.infer<typeof cacheSchema>;
