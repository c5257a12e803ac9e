/**
 * The storage seam of rate limiting: fixed-window counters keyed by string. The memory store serves one process;
 * the Redis store (rate-limiter-flexible's RateLimiterRedis behind the same interface) serves replicas. A store
 * answers at once when it can and with a promise when it must wait (Redis), so that callers stay synchronous
 * over a store that never waits. Limits are compared by the caller, per call, because a key's own override makes
 * the limit differ from key to key.
 */
import type { MaybePromise } from "../maybePromise.js";

export interface WindowUse {
  /** Points counted in the key's current window, after this call. */
  consumed: number;
  /** Milliseconds until the window ends and its points free up. */
  resetMs: number;
}

export interface WindowCounter {
  /** Adds points (negative: gives them back) to the key's current window, opening one when none is open. */
  add(key: string, points: number): MaybePromise<WindowUse>;
  /** The key's current window; consumed 0 (and a whole window ahead) when none is open. */
  read(key: string): MaybePromise<WindowUse>;
}

export interface CounterOptions {
  /** Distinguishes counters sharing one store, e.g. `rpm:chat:key`. */
  name: string;
  windowSeconds: number;
}

/** Makes the counters of one store: memory for one process, Redis for replicas. */
export type CounterStore = (options: CounterOptions) => WindowCounter;
