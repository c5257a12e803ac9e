/**
 * The error an aborted operation rejects with. Callers (and the contract suite) recognise aborts by
 * `name === "AbortError"`, whatever the signal's reason was, so a non-AbortError reason is wrapped, not passed on.
 */
export function abortErrorFrom(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === "AbortError") return reason;
  const detail = reason instanceof Error ? `: ${reason.message}` : "";
  const error = new Error(`the operation was aborted${detail}`, { cause: reason });
  error.name = "AbortError";
  return error;
}

/** An AbortError with a message of our own, used as the reason when the engine itself cancels work. */
export function abortError(message: string): Error {
  const error = new Error(message);
  error.name = "AbortError";
  return error;
}
