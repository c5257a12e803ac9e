/**
 * The semantic cache: a route opts in (`routes[].semanticCache`), `cache.semantic` holds the defaults its block
 * leaves out and the settings every route shares. The opt-in sits on the route because "questions here are asked
 * again in other words" is a property of a kind of traffic, which is what a route names; the defaults sit beside
 * the exact cache so the one place that says how answers are cached says it for both.
 */
import { z } from "zod";

const threshold = z.number().gt(0).max(1);

export const semanticCacheDefaultsSchema = z
  .object({
    /** Cosine similarity (0..1] a stored request needs to answer a new one. */
    threshold: threshold.default(0.95),
    /** Lifetime of an entry. */
    ttlSeconds: z.number().positive().default(3600),
    /**
     * false: only single-turn requests (system messages and one user message) are eligible. true: a conversation is
     * too, matched only against stored ones whose every message before the last user turn is identical.
     */
    multiTurn: z.boolean().default(false),
    /** A lookup compares with at most this many live entries of its scope, the newest: it bounds the scan's cost. */
    maxCandidates: z.number().int().positive().max(100_000).default(1000),
    /** How long the embedding call may take before the lookup gives up and counts a miss (error). */
    embeddingTimeoutMs: z.number().int().positive().default(2000),
    /** Expired entries never match; at most this often a write also deletes them from the store. */
    purgeIntervalSeconds: z.number().positive().default(300),
  })
  .strict();

/** `routes[].semanticCache`: on with the block present unless `enabled: false`; unset fields take cache.semantic's. */
export const routeSemanticCacheSchema = z
  .object({
    enabled: z.boolean().default(true),
    threshold: threshold.optional(),
    ttlSeconds: z.number().positive().optional(),
    multiTurn: z.boolean().optional(),
  })
  .strict();

export type SemanticCacheDefaults = z.infer<typeof semanticCacheDefaultsSchema>;
export type RouteSemanticCacheConfig = z.infer<typeof routeSemanticCacheSchema>;
