/** Epoch milliseconds. Injected so tests can order rows without waiting on the wall clock. */
export type Clock = () => number;

let last = 0;

/**
 * Wall-clock milliseconds, but strictly increasing within the process: two writes in the same millisecond still
 * sort in the order they happened ("newest first" stays true).
 */
export const systemClock: Clock = () => {
  const now = Date.now();
  last = now > last ? now : last + 1;
  return last;
};
