/**
 * The semantic cache: on a route that opted in, a request whose last user message means what a stored one meant
 * (the embeddings' cosine similarity at or above the route's threshold), within the same scope (semanticScope), gets
 * the stored answer. Consulted after the exact cache missed; only eligible requests pay the embedding call. Nothing
 * here fails a request: an embedding or store failure is a miss, logged and counted.
 */
import type { Principal } from "../auth/principal.js";
import type { RouteConfig } from "../config/routeSchema.js";
import type { SemanticCacheDefaults } from "../config/semanticCacheSchema.js";
import type { DocumentEmbedder } from "../documents/documentEmbedder.js";
import type { CollectedResponse } from "../engines/collectStream.js";
import type { ChatRequest } from "../engines/spec.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../observability/createMetrics.js";
import type { SemanticCacheStore, SemanticInvalidation } from "../store/semanticCacheStore.js";
import { askedCacheMode } from "./cacheDecision.js";
import { isCacheable, type CachedAnswer } from "./cachedAnswer.js";
import { semanticScope } from "./semanticScope.js";

/** What a miss may store once the answer is complete: the request's place and its embedding. */
export interface SemanticPending {
  scope: string;
  vector: Float32Array;
  tenant: string;
  route: string;
  keyId: string | undefined;
  ttlMs: number;
}

export type SemanticOutcome =
  /** The route did not opt in: nothing looked up, nothing counted. */
  | { result: "off" }
  | { result: "ineligible" }
  | { result: "hit"; answer: CachedAnswer; score: number }
  | { result: "miss"; pending: SemanticPending }
  | { result: "error" };

export interface SemanticLookupInput {
  principal: Principal;
  /** The route the request resolved to (the plan's name). */
  route: string;
  /** The client's `x-switchyard-cache` header: `bypass` skips this cache too. */
  header: string | string[] | undefined;
  request: Omit<ChatRequest, "model">;
  log: Logger;
  /** The request's signal, made only when an embedding call needs it. */
  signal: () => AbortSignal;
}

export interface SemanticCache {
  lookup(input: SemanticLookupInput): Promise<SemanticOutcome>;
  /** Stores a complete answer for a miss; never rejects (a failure is logged and counted). */
  store(pending: SemanticPending, answer: { model: string; response: CollectedResponse }, log: Logger): Promise<void>;
  /** Deletes the entries named (the union); returns how many. Shared by every replica, as the store is. */
  invalidate(target: SemanticInvalidation): Promise<number>;
}

export interface SemanticCacheOptions {
  store: SemanticCacheStore;
  /** The default embedding target, as documents are embedded. */
  embedder: DocumentEmbedder;
  defaults: Readonly<SemanticCacheDefaults>;
  /** cache.maxEntryBytes: a larger answer (serialized) is served but not stored. */
  maxEntryBytes: number;
  /** The current routes (a reload replaces them). */
  routes: () => readonly RouteConfig[];
  logger: Logger;
  metrics?: Metrics | undefined;
  now?: () => number;
}

interface RouteSettings {
  threshold: number;
  ttlMs: number;
  multiTurn: boolean;
}

const PURGE_BATCH = 1000;
const PURGE_MAX_BATCHES = 50;
// One warning per this interval while failures go on (the rest at debug): an embedding outage must not flood the log.
const WARN_EVERY_MS = 10_000;

export function createSemanticCache(options: SemanticCacheOptions): SemanticCache {
  const { store, embedder, defaults, metrics, logger } = options;
  const now = options.now ?? (() => Date.now());
  const settingsFor = routeSettings(options.routes, defaults);
  let lastPurgeAt = Number.NEGATIVE_INFINITY;
  let purging = false;
  let lastWarnAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;

  const count = (result: "hit" | "miss" | "error" | "ineligible") => metrics?.semanticCacheLookups.inc({ result });
  const warn = (log: Logger, error: unknown, message: string) => {
    const at = now();
    if (at - lastWarnAt < WARN_EVERY_MS && at >= lastWarnAt) {
      suppressed += 1;
      log.debug({ err: error }, message);
      return;
    }
    log.warn({ err: error, ...(suppressed > 0 ? { suppressedSince: suppressed } : {}) }, message);
    lastWarnAt = at;
    suppressed = 0;
  };

  const purge = async () => {
    if (purging) return;
    purging = true;
    try {
      let deleted = PURGE_BATCH;
      for (let batch = 0; batch < PURGE_MAX_BATCHES && deleted === PURGE_BATCH; batch++) deleted = await store.purgeExpired(now(), PURGE_BATCH);
    } catch (error) {
      logger.warn({ err: error }, "semantic cache: purging expired entries failed");
    } finally {
      purging = false;
    }
  };

  return {
    async lookup(input) {
      const settings = settingsFor(input.route);
      if (settings === undefined) return { result: "off" };
      const scope = askedCacheMode(input.header) === "bypass"
        ? undefined
        : semanticScope({ tenant: input.principal.userId, route: input.route, request: input.request, multiTurn: settings.multiTurn });
      if (scope === undefined || !scope.eligible) {
        count("ineligible");
        return { result: "ineligible" };
      }
      let vector: Float32Array;
      const signal = input.signal();
      try {
        const [embedded] = await embedder.embed([scope.text], AbortSignal.any([signal, AbortSignal.timeout(defaults.embeddingTimeoutMs)]));
        if (embedded === undefined) throw new Error("the embedding target returned no vector");
        vector = embedded;
      } catch (error) {
        count("error");
        // A client that went away is not the embedding target's fault.
        if (signal.aborted) input.log.debug({ err: error }, "semantic cache: the request ended during its embedding");
        else warn(input.log, error, "semantic cache: embedding the request failed; answering from upstream");
        return { result: "error" };
      }
      try {
        const match = await store.nearest({ scope: scope.scope, embeddingModel: embedder.model, vector, now: now(), maxCandidates: defaults.maxCandidates });
        if (match !== undefined) metrics?.semanticCacheScore.observe(match.similarity);
        if (match !== undefined && match.similarity >= settings.threshold) {
          const response = JSON.parse(match.answer) as CollectedResponse;
          count("hit");
          return { result: "hit", score: match.similarity, answer: { model: match.model, response, expiresAt: match.expiresAt } };
        }
      } catch (error) {
        count("error");
        warn(input.log, error, "semantic cache: the lookup failed; answering from upstream");
        return { result: "error" };
      }
      count("miss");
      const pending = { scope: scope.scope, vector, tenant: input.principal.userId, route: input.route, keyId: input.principal.keyId, ttlMs: settings.ttlMs };
      return { result: "miss", pending };
    },

    async store(pending, answer, log) {
      // A tool call's arguments often copy words of the question, which a paraphrase words otherwise.
      if (!isCacheable(answer.response) || answer.response.toolCalls.length > 0) {
        metrics?.semanticCacheWrites.inc({ result: "skipped" });
        return;
      }
      const text = JSON.stringify(answer.response);
      if (Buffer.byteLength(text) > options.maxEntryBytes) {
        metrics?.semanticCacheWrites.inc({ result: "skipped" });
        return;
      }
      const createdAt = now();
      try {
        await store.put({ ...pending, embeddingModel: embedder.model, model: answer.model, answer: text, createdAt, expiresAt: createdAt + pending.ttlMs });
        metrics?.semanticCacheWrites.inc({ result: "stored" });
      } catch (error) {
        metrics?.semanticCacheWrites.inc({ result: "error" });
        warn(log, error, "semantic cache: storing an answer failed");
        return;
      }
      // Expired entries never match; deleting them now and then, on the write path, keeps the scan short.
      // (A clock set back restarts the interval rather than stopping the purges until it catches up.)
      if (createdAt - lastPurgeAt >= defaults.purgeIntervalSeconds * 1000 || createdAt < lastPurgeAt) {
        lastPurgeAt = createdAt;
        await purge();
      }
    },

    invalidate: (target) => store.invalidate(target),
  };
}

/** The settings of an opted-in route by name, recomputed when a reload hands over a new routes list. */
function routeSettings(routes: () => readonly RouteConfig[], defaults: Readonly<SemanticCacheDefaults>): (route: string) => RouteSettings | undefined {
  let seen: readonly RouteConfig[] | undefined;
  let byName = new Map<string, RouteSettings>();
  return (route) => {
    const current = routes();
    if (current !== seen) {
      seen = current;
      byName = new Map(
        current.flatMap((config) => {
          const block = config.semanticCache;
          if (block?.enabled !== true) return [];
          const settings = {
            threshold: block.threshold ?? defaults.threshold,
            ttlMs: Math.ceil((block.ttlSeconds ?? defaults.ttlSeconds) * 1000),
            multiTurn: block.multiTurn ?? defaults.multiTurn,
          };
          return [[config.name, settings] as const];
        }),
      );
    }
    return byName.get(route);
  };
}
