/**
 * Window counters in Redis (rate-limiter-flexible's RateLimiterRedis: one key per subject and window, counted by
 * an INCRBY + expiry Lua script that ioredis sends with EVALSHA and, when the server does not know it, EVAL — so
 * SCRIPT LOAD never has to be allowed). One key per call keeps it cluster-safe. Every answer waits for Redis, so
 * this store always answers with a promise. When Redis fails (not ready, or a command errs or times out), open
 * fail mode counts in this process's memory instead (the memory store, the same fixed windows); closed mode
 * answers store_unavailable.
 */
import { RateLimiterRedis, type RateLimiterRes } from "rate-limiter-flexible";
import type { Redis } from "ioredis";
import { GatewayError } from "../errors.js";
import { memoryCounterStore } from "./memoryCounterStore.js";
import type { CounterStore, WindowCounter, WindowUse } from "./windowCounter.js";

export interface RedisCounterStoreOptions {
  client: Redis;
  failMode: "open" | "closed";
}

export function redisCounterStore(options: RedisCounterStoreOptions): CounterStore {
  return (counterOptions) => {
    const { name, windowSeconds } = counterOptions;
    const limiter = new RateLimiterRedis({
      storeClient: options.client,
      keyPrefix: `rl:${name}`,
      // penalty/reward/get never refuse, so `points` is never consulted: the caller compares against its own limit.
      points: Number.MAX_SAFE_INTEGER,
      duration: windowSeconds,
      // Not ready: go to the insurance (or fail) at once instead of waiting on a dead connection.
      rejectIfRedisNotReady: true,
    });
    const insurance = options.failMode === "open" ? memoryCounterStore(counterOptions) : undefined;
    const windowMs = windowSeconds * 1000;
    const useOf = (res: RateLimiterRes | null): WindowUse =>
      res === null || res.msBeforeNext <= 0 ? { consumed: 0, resetMs: windowMs } : { consumed: res.consumedPoints, resetMs: res.msBeforeNext };
    const fallback = (error: unknown): WindowCounter => {
      if (insurance) return insurance;
      throw new GatewayError("store_unavailable", "rate limits cannot be checked: Redis is unavailable (redis.failMode: closed)", {
        cause: error,
        retryAfterSeconds: 2,
      });
    };
    return {
      async add(key, added) {
        try {
          return useOf(await (added >= 0 ? limiter.penalty(key, added) : limiter.reward(key, -added)));
        } catch (error) {
          return fallback(error).add(key, added);
        }
      },
      async read(key) {
        try {
          return useOf(await limiter.get(key));
        } catch (error) {
          return fallback(error).read(key);
        }
      },
    };
  };
}
