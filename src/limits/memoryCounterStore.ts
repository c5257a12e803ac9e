/**
 * Window counters in this process's memory: right for one replica, wrong for several, which would each allow
 * the full limit.
 *
 * Our own rather than rate-limiter-flexible's RateLimiterMemory: that one answers every call through a promise
 * and sets a timer per key to forget it, while the request path needs a synchronous answer and has no use for a
 * timer per caller. A fixed window per key is a Map entry and a comparison. The semantics are the library's, so
 * the Redis store (still the library) and this one agree: a window opens at a key's first add and lasts
 * windowSeconds, the moment it ends belongs to the next one, and points given back may take a window below zero
 * (a give-back that lands after its window ended opens the next one negative, in Redis too).
 *
 * Ended windows are dropped when their key is touched; the rest once per window length, by the first add after
 * it (no timer: nothing to clear, nothing that keeps a dropped counter alive, and a fake clock drives it too).
 * So a counter holds at most the keys seen in its last two windows.
 */
import type { CounterOptions, WindowCounter, WindowUse } from "./windowCounter.js";

/** A WindowCounter that never waits: its answers are plain values. */
export interface MemoryWindowCounter extends WindowCounter {
  add(key: string, points: number): WindowUse;
  read(key: string): WindowUse;
  /** Windows held, ended ones not yet swept included: what the sweep bounds. */
  held(): number;
}

interface Window {
  endsAt: number;
  consumed: number;
}

/** Epoch milliseconds read at each call, so mocked timers (Date) reach it; tests may pass their own clock. */
export function createMemoryCounterStore(now: () => number = () => Date.now()): (options: CounterOptions) => MemoryWindowCounter {
  // Each counter has a Map of its own: counters are apart by construction, whatever their names.
  return ({ windowSeconds }) => {
    const windowMs = windowSeconds * 1000;
    const windows = new Map<string, Window>();
    let sweepAt = now() + windowMs;
    const sweep = (at: number) => {
      for (const [key, window] of windows) if (window.endsAt <= at) windows.delete(key);
      sweepAt = at + windowMs;
    };
    return {
      add(key, points) {
        const at = now();
        if (at >= sweepAt) sweep(at);
        const window = windows.get(key);
        if (window === undefined) {
          windows.set(key, { endsAt: at + windowMs, consumed: points });
          return { consumed: points, resetMs: windowMs };
        }
        if (window.endsAt <= at) {
          window.endsAt = at + windowMs;
          window.consumed = points;
          return { consumed: points, resetMs: windowMs };
        }
        window.consumed += points;
        return { consumed: window.consumed, resetMs: window.endsAt - at };
      },
      read(key) {
        const at = now();
        const window = windows.get(key);
        if (window === undefined) return { consumed: 0, resetMs: windowMs };
        if (window.endsAt <= at) {
          windows.delete(key);
          return { consumed: 0, resetMs: windowMs };
        }
        return { consumed: window.consumed, resetMs: window.endsAt - at };
      },
      held: () => windows.size,
    };
  };
}

/** A CounterStore on the wall clock: the store of a process without Redis. */
export const memoryCounterStore = createMemoryCounterStore();
