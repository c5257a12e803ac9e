/**
 * A flush that runs one write at a time: a call while one runs does not start a second write beside it but waits
 * for one more that starts when it ends, shared by every caller meanwhile, so what was added during a write is in
 * the next one. The buffered writers (the usage ledger's, the body log's) flush through it.
 */
export interface CoalescedFlush {
  /** Runs `write` now, or once more after the running one; resolves when that write settles. */
  (): Promise<void>;
  /** Whether a write is running. */
  readonly running: () => boolean;
}

export function createCoalescedFlush(write: () => Promise<void>): CoalescedFlush {
  let flushing: Promise<void> | undefined;
  let again: Promise<void> | undefined;
  const flush = (): Promise<void> => {
    if (flushing === undefined) {
      flushing = write().finally(() => {
        flushing = undefined;
      });
      return flushing;
    }
    again ??= flushing.then(() => {
      again = undefined;
      return flush();
    });
    return again;
  };
  return Object.assign(flush, { running: () => flushing !== undefined });
}
