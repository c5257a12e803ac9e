/**
 * Window counters in this process's memory (rate-limiter-flexible's RateLimiterMemory): right for one replica,
 * wrong for several, which would each allow the full limit.
 */
import { RateLimiterMemory, type RateLimiterRes } from "rate-limiter-flexible";
import type { CounterStore, WindowUse } from "./windowCounter.js";

export const memoryCounterStore: CounterStore = ({ name, windowSeconds }) => {
  // penalty/reward/get never refuse, so `points` is never consulted: the caller compares against its own limit.
  const limiter = new RateLimiterMemory({ keyPrefix: name, points: Number.MAX_SAFE_INTEGER, duration: windowSeconds });
  const windowMs = windowSeconds * 1000;
  const useOf = (res: RateLimiterRes | null): WindowUse =>
    // An expired window lingers until its timer sweeps it; it counts as no window at all.
    res === null || res.msBeforeNext <= 0 ? { consumed: 0, resetMs: windowMs } : { consumed: res.consumedPoints, resetMs: res.msBeforeNext };
  return {
    async add(key, points) {
      return useOf(points >= 0 ? await limiter.penalty(key, points) : await limiter.reward(key, -points));
    },
    async read(key) {
      return useOf(await limiter.get(key));
    },
  };
};
