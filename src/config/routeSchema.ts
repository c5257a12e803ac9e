/**
 * A named route: targets (`engine/model`, optionally weighted) tried by a strategy, with what a route may set over
 * its engines (timeouts, stale-if-error) and the features requests on it opt into (semantic cache, guardrails,
 * server tools).
 */
import { z } from "zod";
import { guardrailName } from "./guardrailsSchema.js";
import { timeoutsSchema } from "./policySchema.js";
import { routeServerToolsSchema } from "./routeServerToolsSchema.js";
import { routeSemanticCacheSchema } from "./semanticCacheSchema.js";

const routeTargetSchema = z.union([
  z.string().regex(/^[^/]+\/.+$/, "a target is engine/model"),
  z
    .object({
      target: z.string().regex(/^[^/]+\/.+$/, "a target is engine/model"),
      weight: z.number().min(0).default(1),
    })
    .strict(),
]);

export const routeSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "letters, digits, '_', '.', '-'"),
    strategy: z.enum(["fallback", "weighted", "least-latency", "least-busy"]).default("fallback"),
    targets: z.array(routeTargetSchema).min(1),
    /** Overrides the engines' timeouts for requests on this route. */
    timeouts: timeoutsSchema.partial().strict().optional(),
    /** Overrides cache.staleIfErrorSeconds for requests on this route. */
    staleIfErrorSeconds: z.number().min(0).optional(),
    /** Answers to requests that mean the same, by embedding similarity (cache.semantic holds the defaults). */
    semanticCache: routeSemanticCacheSchema.optional(),
    /** Guardrail rules (by name) that requests on this route run, after `guardrails.apply`. */
    guardrails: z.array(guardrailName).min(1).optional(),
    /** The gateway's own tools offered on /v1/chat/completions and run by it: true for all the caller may use, or names. */
    serverTools: routeServerToolsSchema.optional(),
  })
  .strict();

export type RouteConfig = z.infer<typeof routeSchema>;
