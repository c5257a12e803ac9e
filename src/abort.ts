/**
 * The gateway's one set of abort helpers. Callers recognise an abort by `name === "AbortError"` (isAbortError in
 * errors.ts), whatever reason the signal carried, so every helper here rejects with such an error.
 */

/** The error an aborted operation rejects with: the signal's reason when it is an AbortError, else one wrapping it. */
export function abortErrorFrom(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === "AbortError") return reason;
  const detail = reason instanceof Error ? `: ${reason.message}` : "";
  const error = new Error(`the operation was aborted${detail}`, { cause: reason });
  error.name = "AbortError";
  return error;
}

/** An AbortError with a message of our own: the reason to abort with when the gateway itself gives up on work. */
export function abortErrorWith(message: string): Error {
  const error = new Error(message);
  error.name = "AbortError";
  return error;
}

/**
 * Settles with `work`, or rejects with the abort error as soon as the signal fires. The work is abandoned, not
 * cancelled: for work that cannot take the signal itself, or may ignore it (a stuck engine, a backoff sleep).
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortErrorFrom(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortErrorFrom(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

export interface LinkedController {
  /** Aborts when any source aborts (with that source's reason), or when aborted directly. */
  readonly controller: AbortController;
  readonly signal: AbortSignal;
  /** Detaches from the sources; call it when the work is over so long-lived sources do not collect listeners. */
  unlink(): void;
}

/**
 * A controller tied to several signals. Hand-rolled rather than AbortSignal.any because a long-lived source (an
 * engine's close signal lives as long as the process) would otherwise keep a dependent signal per request.
 */
export function linkSignals(...sources: AbortSignal[]): LinkedController {
  const controller = new AbortController();
  const detachers = sources.map((source) => {
    const onAbort = () => controller.abort(source.reason);
    source.addEventListener("abort", onAbort, { once: true });
    return () => source.removeEventListener("abort", onAbort);
  });
  const alreadyAborted = sources.find((source) => source.aborted);
  if (alreadyAborted) controller.abort(alreadyAborted.reason);
  return {
    controller,
    signal: controller.signal,
    unlink: () => detachers.forEach((detach) => detach()),
  };
}
