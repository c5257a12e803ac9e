/**
 * The limits of one engine call as a single AbortSignal: the client leaving, the total timeout, and the
 * time-to-first-token timeout until the first part arrived.
 *
 * Hand-rolled rather than cockatiel's TimeoutPolicy: that derives a controller per execution and aborts it on every
 * return, and an abort builds a DOMException (a stack capture) and dispatches an event. Two timeouts per request
 * made that the largest single cost of a call. Here nothing is aborted unless a limit is really hit.
 */
export type DeadlineLimit = "ttft" | "total";

export interface CallDeadline {
  readonly signal: AbortSignal;
  /** The limit that ended the call, if one did (a client that left is not a limit). */
  readonly expired: DeadlineLimit | undefined;
  /** The first part arrived: the TTFT limit no longer applies. */
  started(): void;
  /** The call is over: timers and the client listener go, and the signal is left as it is. */
  release(): void;
}

/** `ttftMs` undefined: only the total limit applies (a call whose first part is the whole answer). */
export function callDeadline(client: AbortSignal, ttftMs: number | undefined, totalMs: number): CallDeadline {
  const controller = new AbortController();
  let expired: DeadlineLimit | undefined;
  const expire = (limit: DeadlineLimit) => () => {
    if (controller.signal.aborted) return;
    expired = limit;
    controller.abort();
  };
  const onClient = () => controller.abort(client.reason);
  let ttftTimer: NodeJS.Timeout | undefined = ttftMs === undefined ? undefined : setTimeout(expire("ttft"), ttftMs);
  let totalTimer: NodeJS.Timeout | undefined = setTimeout(expire("total"), totalMs);
  if (client.aborted) onClient();
  else client.addEventListener("abort", onClient, { once: true });
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    started() {
      clearTimeout(ttftTimer);
      ttftTimer = undefined;
    },
    release() {
      clearTimeout(ttftTimer);
      clearTimeout(totalTimer);
      ttftTimer = totalTimer = undefined;
      client.removeEventListener("abort", onClient);
    },
  };
}

/**
 * Settles with `work`, or rejects with the signal's reason as soon as it aborts: a call that ignores its signal
 * (a stuck engine, a retry's backoff sleep) cannot hold the caller past a limit.
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error as Error);
      },
    );
  });
}
