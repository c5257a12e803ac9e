/**
 * The error an aborted stream rejects with. Always named "AbortError" (the contract's promise), whatever reason
 * the signal carried; the reason (e.g. a TimeoutError from a policy) stays reachable as the cause.
 */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === "AbortError") return reason;
  const error = new Error("The operation was aborted", { cause: reason });
  error.name = "AbortError";
  return error;
}
