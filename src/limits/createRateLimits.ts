/**
 * Rate limits per key and per user for each route class: requests per minute on every route but public ones,
 * tokens per minute on chat routes. One instance per process (main.ts), shared by the HTTP hook and the meter.
 */
import type { RateLimitsConfig } from "../config/securitySchema.js";
import { memoryCounterStore } from "./memoryCounterStore.js";
import { createRequestLimiter, type RequestLimiter } from "./createRequestLimiter.js";
import { createTokenLimiter, type TokenLimits } from "./createTokenLimiter.js";
import type { CounterStore, WindowCounter } from "./windowCounter.js";

export type { TokenLimiter } from "./createTokenLimiter.js";

/** Limits are per minute: the unit of rpm and tpm. */
export const RATE_LIMIT_WINDOW_SECONDS = 60;

export interface RateLimits {
  requests: RequestLimiter;
  tokens: TokenLimits;
}

export interface RateLimitsOptions {
  /** Where the counters live; memory unless given (the seam for a shared Redis store). */
  store?: CounterStore;
}

export function createRateLimits(config: RateLimitsConfig, options: RateLimitsOptions = {}): RateLimits {
  const store = options.store ?? memoryCounterStore;
  const counters = new Map<string, WindowCounter>();
  const counterFor = (name: string): WindowCounter => {
    let counter = counters.get(name);
    if (!counter) {
      counter = store({ name, windowSeconds: RATE_LIMIT_WINDOW_SECONDS });
      counters.set(name, counter);
    }
    return counter;
  };
  return { requests: createRequestLimiter(config, counterFor), tokens: createTokenLimiter(config, counterFor) };
}
