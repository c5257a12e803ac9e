import { abortErrorFrom } from "./abortErrorFrom.js";

/**
 * Waits for a promise unless the signal fires first. The underlying work is abandoned, not cancelled: use it only
 * around work that cannot take a signal itself (or, like node-llama-cpp's downloader, ignores it in places).
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortErrorFrom(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortErrorFrom(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
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
