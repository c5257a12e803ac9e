import { abortErrorFrom } from "../../abort.js";

/** A single-consumer queue between a push-style producer (callbacks) and a pull-style consumer (an iterator). */
export interface AsyncQueue<T> {
  push(value: T): void;
  /** No more values; the consumer gets `done` after draining what is buffered. */
  end(): void;
  /** The consumer gets this error after draining what is buffered. */
  fail(error: unknown): void;
  /** The next value; rejects with an AbortError as soon as the signal fires, buffered values or not. */
  shift(signal: AbortSignal): Promise<IteratorResult<T, undefined>>;
}

export function createAsyncQueue<T>(): AsyncQueue<T> {
  // Boxed so a queue of values that may themselves be undefined stays unambiguous.
  const buffer: Array<{ value: T }> = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;

  const notify = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };

  return {
    push(value) {
      if (ended || failure) return;
      buffer.push({ value });
      notify();
    },
    end() {
      ended = true;
      notify();
    },
    fail(error) {
      if (ended || failure) return;
      failure = { error };
      notify();
    },
    async shift(signal) {
      for (;;) {
        if (signal.aborted) throw abortErrorFrom(signal);
        const next = buffer.shift();
        if (next) return { done: false, value: next.value };
        if (failure) throw failure.error;
        if (ended) return { done: true, value: undefined };
        await new Promise<void>((resolve) => {
          const onAbort = () => resolve();
          signal.addEventListener("abort", onAbort, { once: true });
          wake = () => {
            signal.removeEventListener("abort", onAbort);
            resolve();
          };
        });
      }
    },
  };
}
