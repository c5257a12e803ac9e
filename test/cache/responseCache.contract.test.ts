/**
 * The response cache contract against every way the gateway runs it: L1 alone; L1 over a real Redis; two replicas
 * over one Redis; and a Redis that is configured but never reachable, which must behave as L1 alone. Redis
 * subjects reach the server through a proxy the Redis-trouble cases cut or stall, and each gets a key prefix of
 * its own on the shared server, removed when it is disposed.
 */
import { after } from "node:test";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { createResponseCache, type ResponseCache } from "../../src/cache/createResponseCache.js";
import type { InvalidationMessage } from "../../src/cache/invalidationChannel.js";
import type { CacheConfig } from "../../src/config/cacheSchema.js";
import { redisSchema } from "../../src/config/redisSchema.js";
import { createRedisClient, type RedisClient } from "../../src/redis/createRedisClient.js";
import { createLogger } from "../../src/logger.js";
import { freePort } from "../../bench/freePort.js";
import { eventually } from "../support/eventually.js";
import { startTcpProxy, type TcpProxy } from "../support/tcpProxy.js";
import { runResponseCacheContract, type ResponseCacheSubject } from "./responseCacheContract.js";

const redisUrl = process.env.SWITCHYARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const logger = createLogger("silent");
const admin = new Redis(redisUrl, { maxRetriesPerRequest: 0 });

after(() => {
  admin.disconnect();
});

/** The Redis URL with its host and port swapped for another's, keeping credentials and database. */
function urlAt(port: number): string {
  const url = new URL(redisUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return url.toString();
}

async function dropKeys(keyPrefix: string): Promise<void> {
  const keys = await admin.keys(`${keyPrefix}*`);
  if (keys.length > 0) await admin.del(...keys);
}

/**
 * Resolves once the cache's invalidation subscriber is in place. Its first subscription clears L1 (the cache
 * cannot know what it missed before it), which would drop a case's first entries if it came late. Messages
 * arrive after the subscription on the same connection, so a broadcast the cache has acted on proves it: one
 * that raises a throwaway tenant's generation, which changes that tenant's lookup key.
 */
async function subscribed(cache: ResponseCache, keyPrefix: string): Promise<void> {
  const probe = { tenant: `probe-${randomBytes(4).toString("hex")}`, model: "probe" };
  const digest = "probe";
  const before = (await cache.lookup(probe, digest)).key;
  const message: InvalidationMessage = { target: { tenant: probe.tenant }, values: { [`tenant:${probe.tenant}`]: 1_000_000 } };
  await eventually(
    async () => {
      await admin.publish(`${keyPrefix}cache-invalidate`, JSON.stringify(message));
      return (await cache.lookup(probe, digest)).key !== before;
    },
    5000,
    "the cache to subscribe to invalidations",
  );
}

async function redisSubject(config: CacheConfig, replicas: number): Promise<ResponseCacheSubject> {
  const keyPrefix = `sy-test-${randomBytes(4).toString("hex")}:`;
  const target = new URL(redisUrl);
  const proxy: TcpProxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
  const clients: RedisClient[] = [];
  const caches: ResponseCache[] = [];
  const dispose = async () => {
    await Promise.all(caches.map((cache) => cache.close()));
    await Promise.all(clients.map((client) => client.close()));
    await proxy.close();
    await dropKeys(keyPrefix);
  };
  try {
    for (let i = 0; i < replicas; i++) {
      // A short command timeout: the hanging-Redis case waits it out on every command.
      const client = createRedisClient(redisSchema.parse({ url: urlAt(proxy.port), keyPrefix, connectTimeoutMs: 500, commandTimeoutMs: 100 }), logger);
      clients.push(client);
      await eventually(() => client.ready(), 5000, "Redis to connect");
      const cache = createResponseCache({ config, logger, redis: { client: client.client, keyPrefix } });
      caches.push(cache);
      await subscribed(cache, keyPrefix);
    }
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    cache: caches[0]!,
    peer: caches[1],
    shared: true,
    async cutRedis() {
      proxy.cut();
      await eventually(() => clients.every((client) => !client.ready()), 2000, "the clients to see Redis gone");
    },
    async stallRedis() {
      proxy.stall();
    },
    dispose,
  };
}

runResponseCacheContract("L1", async (config) => {
  const cache = createResponseCache({ config, logger });
  return { cache, shared: false, dispose: () => cache.close() };
}, { peer: false, redisTrouble: false });

runResponseCacheContract("L1 + Redis", (config) => redisSubject(config, 1), { peer: false, redisTrouble: true });

runResponseCacheContract("two replicas over one Redis", (config) => redisSubject(config, 2), { peer: true, redisTrouble: true });

runResponseCacheContract("L1 with Redis never reachable", async (config) => {
  // Nothing listens on a port that was just free: every connection attempt is refused.
  const client = createRedisClient(redisSchema.parse({ url: urlAt(await freePort()), connectTimeoutMs: 200, commandTimeoutMs: 100 }), logger);
  const cache = createResponseCache({ config, logger, redis: { client: client.client, keyPrefix: "sy:" } });
  return {
    cache,
    shared: false,
    async dispose() {
      await cache.close();
      await client.close();
    },
  };
}, { peer: false, redisTrouble: false });
