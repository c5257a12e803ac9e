import { abortErrorFrom } from "../../abort.js";

export interface Semaphore {
  /**
   * Resolves with a release function once a slot is free, first come first served. If the signal fires while
   * waiting, the waiter leaves the queue at once and the promise rejects with an AbortError.
   */
  acquire(signal: AbortSignal): Promise<() => void>;
  /** Slots held now. */
  readonly active: number;
  /** Callers waiting for a slot. */
  readonly waiting: number;
}

/**
 * A tiny FIFO semaphore. Not cockatiel's bulkhead: its queued entries ignore their AbortSignal until a slot frees
 * up (an aborted request would keep its place and inflate `queued`), it hands a freed slot over on a later
 * microtask (so a request briefly counts as neither running nor queued), and it wraps a function call, whereas
 * a generation holds its slot across an async iterator the consumer drives.
 */
export function createSemaphore(limit: number): Semaphore {
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

  return {
    get active() {
      return active;
    },
    get waiting() {
      return waiters.length;
    },
    acquire(signal) {
      if (signal.aborted) return Promise.reject(abortErrorFrom(signal));
      if (active < limit) {
        active++;
        return Promise.resolve(makeRelease());
      }
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
