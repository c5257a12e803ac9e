/**
 * Window counters in Redis (rate-limiter-flexible's RateLimiterRedis: one key per subject and window, counted by
 * an INCRBY + expiry Lua script that ioredis sends with EVALSHA and, when the server does not know it, EVAL — so
 * SCRIPT LOAD never has to be allowed). One key per call keeps it cluster-safe. In open fail mode an in-memory
 * limiter is the insurance while Redis is unreachable; in closed mode the caller hears store_unavailable.
 */
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterRes } from "rate-limiter-flexible";
import type { Redis } from "ioredis";
import { GatewayError } from "../errors.js";
import type { CounterStore, WindowUse } from "./windowCounter.js";

export interface RedisCounterStoreOptions {
  client: Redis;
  failMode: "open" | "closed";
}

export function redisCounterStore(options: RedisCounterStoreOptions): CounterStore {
  return ({ name, windowSeconds }) => {
    const points = Number.MAX_SAFE_INTEGER;
    const limiter = new RateLimiterRedis({
      storeClient: options.client,
      keyPrefix: `rl:${name}`,
      points,
      duration: windowSeconds,
      // Not ready: go to the insurance (or fail) at once instead of waiting on a dead connection.
      rejectIfRedisNotReady: true,
      ...(options.failMode === "open" ? { insuranceLimiter: new RateLimiterMemory({ keyPrefix: name, points, duration: windowSeconds }) } : {}),
    });
    const windowMs = windowSeconds * 1000;
    const useOf = (res: RateLimiterRes | null): WindowUse =>
      res === null || res.msBeforeNext <= 0 ? { consumed: 0, resetMs: windowMs } : { consumed: res.consumedPoints, resetMs: res.msBeforeNext };
    const guard = async (work: () => Promise<RateLimiterRes | null>): Promise<WindowUse> => {
      try {
        return useOf(await work());
      } catch (error) {
        throw new GatewayError("store_unavailable", "rate limits cannot be checked: Redis is unavailable (redis.failMode: closed)", {
          cause: error,
          retryAfterSeconds: 2,
        });
      }
    };
    return {
      add: (key, added) => guard(() => (added >= 0 ? limiter.penalty(key, added) : limiter.reward(key, -added))),
      read: (key) => guard(() => limiter.get(key)),
    };
  };
}
