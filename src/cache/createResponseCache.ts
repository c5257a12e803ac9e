/**
 * The response cache: L1 in this process (lru-cache: bounded entries and bytes, per-entry TTL) in front of L2 in
 * Redis (`cache:entry:<digest>:<generations>`, GET / SET PX) when Redis is configured. Redis trouble never reaches
 * a client: lookups and writes fall back to L1 alone, and invalidation to this replica alone.
 */
import { hash } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { Redis } from "ioredis";
import type { CacheConfig } from "../config/cacheSchema.js";
import type { Logger } from "../logger.js";
import type { CollectedResponse } from "../engines/collectStream.js";
import type { CachedAnswer } from "./cachedAnswer.js";
import { createCacheGenerations, type CacheDimensions, type GenerationValues, type InvalidationTarget } from "./cacheGenerations.js";
import { openInvalidationChannel, type InvalidationChannel } from "./invalidationChannel.js";

export interface CacheLookup {
  /** The entry's full key (digest and generations), to store the answer under on a miss. */
  key: string;
  answer?: CachedAnswer;
  /** An expired entry still inside its stale-if-error window: only for when every engine fails. */
  stale?: CachedAnswer;
}

export interface InvalidationResult {
  invalidated: InvalidationTarget;
  /** The new generations of the invalidated dimensions. */
  generations: GenerationValues;
  /** True when Redis took the bump and every replica was told; false: this replica only. */
  shared: boolean;
  /** Entries dropped from this replica's L1 (other replicas drop theirs when the broadcast arrives). */
  droppedLocally: number;
}

export interface ResponseCache {
  readonly config: Readonly<CacheConfig>;
  /** TTL for a request to `model` (as sent) that resolved to `route`: per-name override, else the default. */
  ttlMsFor(model: string, route: string): number;
  lookup(dimensions: CacheDimensions, digest: string): Promise<CacheLookup>;
  /** Keeps the entry `staleMs` past its TTL for stale-if-error (0: gone at the TTL). */
  store(dimensions: CacheDimensions, key: string, answer: { model: string; response: CollectedResponse }, ttlMs: number, staleMs?: number): Promise<void>;
  invalidate(target: InvalidationTarget): Promise<InvalidationResult>;
  close(): Promise<void>;
}

interface L1Entry {
  answer: CachedAnswer;
  dimensions: CacheDimensions;
  bytes: number;
}

export interface ResponseCacheOptions {
  config: Readonly<CacheConfig>;
  logger: Logger;
  /** The process's ioredis client (with its keyPrefix) and that prefix, for the pub/sub channel name. */
  redis?: { client: Redis; keyPrefix: string } | undefined;
}

export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  const { config, logger } = options;
  const client = options.redis?.client;
  const l1 = new LRUCache<string, L1Entry>({
    max: config.maxEntries,
    maxSize: config.maxEntries * config.maxEntryBytes,
    sizeCalculation: (entry) => Math.max(1, entry.bytes),
    ttl: Math.ceil(config.ttlSeconds * 1000),
  });
  const generations = createCacheGenerations({ redis: client });
  // Generations work per dimension, so naming several invalidates the union (every entry of the tenant, and every
  // entry of the model), and L1 drops the same union.
  const matches = (d: CacheDimensions, target: InvalidationTarget) =>
    (target.tenant !== undefined && d.tenant === target.tenant) ||
    (target.model !== undefined && d.model === target.model) ||
    (target.keyId !== undefined && d.keyId === target.keyId);
  const dropLocal = (target: InvalidationTarget) => {
    let dropped = 0;
    for (const [key, entry] of l1.entries()) if (matches(entry.dimensions, target) && l1.delete(key)) dropped += 1;
    return dropped;
  };
  let channel: InvalidationChannel | undefined;
  if (options.redis && client) {
    channel = openInvalidationChannel({
      client,
      keyPrefix: options.redis.keyPrefix,
      logger,
      onMessage: (message) => {
        generations.apply(message.values);
        dropLocal(message.target);
      },
      // Broadcasts may have been missed while the subscriber was away, and a restarted Redis starts its
      // generations again from 0, which would make entries invalidated before reachable again: start over.
      onResubscribed: () => {
        generations.forget();
        l1.clear();
      },
    });
  }
  const redisReady = () => client !== undefined && client.status === "ready";
  // A short request's digest is its JSON (requestDigest): hashed here, so no prompt text becomes a Redis key name.
  const entryKey = (key: string) => `cache:entry:${key.startsWith("[") ? hash("sha256", key, "hex") : key}`;
  // An entry is fresh until expiresAt, then (with a stale window) kept until staleUntil for stale-if-error.
  const found = (key: string, answer: CachedAnswer): CacheLookup => (answer.expiresAt > Date.now() ? { key, answer } : { key, stale: answer });

  return {
    config,
    ttlMsFor(model, route) {
      return Math.ceil((config.ttl[model] ?? config.ttl[route] ?? config.ttlSeconds) * 1000);
    },
    async lookup(dimensions, digest) {
      const key = `${digest}:${await generations.current(dimensions)}`;
      const local = l1.get(key);
      if (local) return found(key, local.answer);
      if (!redisReady() || !client) return { key };
      try {
        const text = await client.get(entryKey(key));
        if (text === null) return { key };
        const answer = JSON.parse(text) as CachedAnswer;
        const remaining = Math.max(answer.expiresAt, answer.staleUntil ?? 0) - Date.now();
        if (remaining <= 0) return { key };
        l1.set(key, { answer, dimensions, bytes: Buffer.byteLength(text) }, { ttl: remaining });
        return found(key, answer);
      } catch (error) {
        logger.debug({ err: error }, "cache: L2 lookup failed; answering from upstream");
        return { key };
      }
    },
    async store(dimensions, key, stored, ttlMs, staleMs = 0) {
      const now = Date.now();
      const answer: CachedAnswer = { ...stored, expiresAt: now + ttlMs, ...(staleMs > 0 ? { staleUntil: now + ttlMs + staleMs } : {}) };
      const text = JSON.stringify(answer);
      const bytes = Buffer.byteLength(text);
      if (bytes > config.maxEntryBytes) return;
      const keepMs = ttlMs + Math.max(0, staleMs);
      l1.set(key, { answer, dimensions, bytes }, { ttl: keepMs });
      if (!redisReady() || !client) return;
      try {
        await client.set(entryKey(key), text, "PX", keepMs);
      } catch (error) {
        logger.debug({ err: error }, "cache: L2 write failed; kept in L1 only");
      }
    },
    async invalidate(target) {
      const { values, shared } = await generations.bump(target);
      const droppedLocally = dropLocal(target);
      const told = shared && channel ? await channel.publish({ target, values }) : false;
      logger.info({ target, generations: values, shared: told }, "cache: invalidated");
      return { invalidated: target, generations: values, shared: told, droppedLocally };
    },
    async close() {
      channel?.close();
      l1.clear();
    },
  };
}
