/**
 * The limits of one engine call as a single AbortSignal and a single timer: the client leaving, the
 * time-to-first-token limit until the first part arrived, and the total limit. The timer first waits for the
 * nearer limit; if that was the TTFT limit and the first part came in time, it waits again for what is left of the
 * total. Nothing is aborted unless a limit is really hit: an abort builds an error (a stack capture) and
 * dispatches an event, which no successful call should pay for. Chat streams and embeddings both use it.
 */
export type DeadlineLimit = "ttft" | "total";

export interface CallDeadline {
  readonly signal: AbortSignal;
  /** The limit that ended the call, if one did (a client that left is not a limit). */
  expired(): DeadlineLimit | undefined;
  /** The first part arrived: the TTFT limit no longer applies. */
  started(): void;
  /** The call is over: the timer and the client listener go, and the signal is left as it is. */
  release(): void;
}

/** `ttftMs` undefined: only the total limit applies (embeddings, a whole answer asked for at once). */
export function callDeadline(client: AbortSignal, ttftMs: number | undefined, totalMs: number): CallDeadline {
  const controller = new AbortController();
  const openedAt = performance.now();
  let expired: DeadlineLimit | undefined;
  let firstPart = false;
  let released = false;
  const onClient = () => controller.abort(client.reason);
  const expire = (limit: DeadlineLimit) => {
    if (controller.signal.aborted) return;
    expired = limit;
    controller.abort();
  };
  const waitsForTtft = ttftMs !== undefined && ttftMs < totalMs;
  const onTimer = () => {
    timer = undefined;
    if (released) return;
    if (!waitsForTtft || firstPart) {
      const left = totalMs - (performance.now() - openedAt);
      // The first wait was the TTFT limit: the rest of the total follows.
      if (waitsForTtft && left > 1) {
        timer = setTimeout(onTimer, left);
        return;
      }
      expire("total");
      return;
    }
    expire("ttft");
  };
  let timer: NodeJS.Timeout | undefined = setTimeout(onTimer, waitsForTtft ? ttftMs : totalMs);
  if (client.aborted) onClient();
  else client.addEventListener("abort", onClient, { once: true });
  return {
    signal: controller.signal,
    // A method, not a getter: an object literal with an accessor is kept in slow (dictionary) mode, about 400
    // bytes more for every call in flight.
    expired: () => expired,
    started() {
      firstPart = true;
    },
    release() {
      if (released) return;
      released = true;
      clearTimeout(timer);
      timer = undefined;
      client.removeEventListener("abort", onClient);
    },
  };
}
