/** Calls still running on an engine, so closing it (shutdown, a reload that removed it) can wait for them. */
export interface DrainCounter {
  enter(): void;
  leave(): void;
  /** Resolves once no call is running (at once when none is). */
  drained(): Promise<void>;
}

export function createDrainCounter(): DrainCounter {
  let running = 0;
  let waiters: Array<() => void> = [];
  return {
    enter() {
      running += 1;
    },
    leave() {
      running -= 1;
      if (running > 0 || waiters.length === 0) return;
      const ready = waiters;
      waiters = [];
      for (const resolve of ready) resolve();
    },
    drained() {
      if (running === 0) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}
