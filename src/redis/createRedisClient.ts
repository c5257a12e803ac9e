/**
 * The process's Redis connection (ioredis). Commands fail at once while it is down (no offline queue, one try),
 * so callers can fall back instead of waiting; the connection keeps retrying in the background with a capped
 * backoff and shared state resumes by itself when Redis returns.
 */
import { Redis } from "ioredis";
import type { RedisConfig } from "../config/redisSchema.js";
import type { Logger } from "../logger.js";

export interface RedisClient {
  readonly client: Redis;
  /** Connected and ready for commands. */
  ready(): boolean;
  /** Round trip, for readiness; rejects when Redis does not answer in time. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function createRedisClient(config: Readonly<RedisConfig>, logger: Logger): RedisClient {
  const client = new Redis(config.url, {
    keyPrefix: config.keyPrefix,
    connectTimeout: config.connectTimeoutMs,
    commandTimeout: config.commandTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000),
    lazyConnect: false,
  });
  let wasReady = false;
  client.on("ready", () => {
    wasReady = true;
    logger.info("redis: connected");
  });
  client.on("end", () => logger.warn("redis: connection closed"));
  // ioredis emits 'error' on every failed reconnect; unhandled it would crash the process. Log the first of a run.
  let reported = false;
  client.on("error", (error: Error) => {
    if (reported) return;
    reported = true;
    logger.warn({ err: error, wasReady }, "redis: unavailable (falling back where configured); retrying");
  });
  client.on("ready", () => {
    reported = false;
  });
  return {
    client,
    ready: () => client.status === "ready",
    async ping() {
      await client.ping();
    },
    async close() {
      client.disconnect();
    },
  };
}
