/**
 * Watches a stream's parts go by without putting an `async function*` between its producer and its consumer.
 * Every such layer costs a generator resume and several promises per part, and a streamed answer passes the
 * router, telemetry and metering on its way out: as plain iterator wrappers they add one `then` each.
 */
export interface PartTap<T> {
  /** Each part, before the consumer gets it. */
  part?(value: T): void;
  /**
   * Exactly once: the source ran out (`completed`), threw (`error`), or the consumer stopped reading (neither;
   * after the source's own `return` ran, so whatever it releases is released first).
   */
  end(completed: boolean, error?: unknown): void;
}

export function tapParts<T>(source: AsyncIterable<T>, tap: PartTap<T>): AsyncIterableIterator<T> {
  let iterator: AsyncIterator<T> | undefined;
  let ended = false;
  const finish = (completed: boolean, error?: unknown) => {
    if (ended) return;
    ended = true;
    tap.end(completed, error);
  };
  const onResult = (result: IteratorResult<T>): IteratorResult<T> => {
    if (result.done) finish(true);
    else tap.part?.(result.value);
    return result;
  };
  const onError = (error: unknown): never => {
    finish(false, error);
    throw error;
  };
  const tapped: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]: () => tapped,
    next() {
      if (ended) return Promise.resolve({ done: true, value: undefined });
      try {
        iterator ??= source[Symbol.asyncIterator]();
        return iterator.next().then(onResult, onError);
      } catch (error) {
        // A source that throws instead of rejecting still ends the tap before the consumer sees the error.
        finish(false, error);
        return Promise.reject(error as Error);
      }
    },
    async return(value?: unknown) {
      if (!ended) {
        try {
          await iterator?.return?.();
        } finally {
          finish(false);
        }
      }
      return { done: true, value: value as T };
    },
  };
  return tapped;
}
