export interface LinkedController {
  /** Aborts when any source aborts (with that source's reason), or when aborted directly. */
  readonly controller: AbortController;
  readonly signal: AbortSignal;
  /** Detaches from the sources; call it when the work is over so long-lived sources do not collect listeners. */
  unlink(): void;
}

/**
 * A controller tied to several signals. Hand-rolled rather than AbortSignal.any because the engine's close signal
 * lives as long as the process and every request would otherwise leave a dependent signal hanging off it.
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
