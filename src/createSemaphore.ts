import { abortErrorFrom } from "./abort.js";

export interface Semaphore {
  /** A slot now, as its release function, or undefined when none is free (or others are already waiting). */
  tryAcquire(): (() => void) | undefined;
  /**
   * Resolves with a release function once a slot is free, first come first served. If the signal fires while
   * waiting, the waiter leaves the queue at once and the promise rejects with an AbortError. With the queue full,
   * rejects at once with `queueFull()`'s error.
   */
  acquire(signal: AbortSignal): Promise<() => void>;
  /** Slots held now. */
  readonly active: number;
  /** Callers waiting for a slot. */
  readonly waiting: number;
}

export interface SemaphoreOptions {
  /** Callers that may wait for a slot (default: unbounded). */
  maxQueue?: number;
  /** The error a caller gets when the queue is full. */
  queueFull?: () => Error;
}

/**
 * A tiny FIFO semaphore, for the engines' concurrency limits (the guarded engine's bulkhead, the local engine's
 * generations). Not cockatiel's bulkhead: its queued entries ignore their AbortSignal until a slot frees up (an
 * aborted request would keep its place and inflate `queued`), it hands a freed slot over on a later microtask
 * (so a request briefly counts as neither running nor queued), and it wraps a function call, whose async frames
 * it keeps for as long as the slot is held: about 1.4 KB for every open stream, where a slot here is a counter
 * and a release function.
 */
export function createSemaphore(limit: number, options: SemaphoreOptions = {}): Semaphore {
  const maxQueue = options.maxQueue ?? Number.POSITIVE_INFINITY;
  let active = 0;
  const waiters: Array<(release: () => void) => void> = [];

  const makeRelease = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = waiters.shift();
      // Hand the slot straight to the next waiter, so `active` never dips while others wait.
      if (next) next(makeRelease());
      else active--;
    };
  };

  const tryAcquire = () => {
    if (active >= limit || waiters.length > 0) return undefined;
    active++;
    return makeRelease();
  };

  return {
    get active() {
      return active;
    },
    get waiting() {
      return waiters.length;
    },
    tryAcquire,
    acquire(signal) {
      if (signal.aborted) return Promise.reject(abortErrorFrom(signal));
      const now = tryAcquire();
      if (now) return Promise.resolve(now);
      if (waiters.length >= maxQueue) return Promise.reject(options.queueFull?.() ?? new Error("the queue is full"));
      return new Promise((resolve, reject) => {
        const grant = (release: () => void) => {
          signal.removeEventListener("abort", onAbort);
          resolve(release);
        };
        const onAbort = () => {
          const index = waiters.indexOf(grant);
          if (index >= 0) waiters.splice(index, 1);
          reject(abortErrorFrom(signal));
        };
        waiters.push(grant);
        signal.addEventListener("abort", onAbort, { once: true });
      });
    },
  };
}
