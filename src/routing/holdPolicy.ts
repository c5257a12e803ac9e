import type { IPolicy } from "cockatiel";

export interface HeldPolicy {
  /** The policy's signal for this execution (e.g. a timeout's). */
  signal: AbortSignal;
  /** Ends the execution: without an error it counts as a success, with one as that failure. */
  release(error?: unknown): void;
}

/**
 * Enters a cockatiel policy and stays inside it until release(). A stream is pulled by its consumer, so the
 * bulkhead slot, the breaker's verdict and the total timeout must span the consumer's reads rather than one
 * function call; this turns "execute a function" into "hold until done" without buffering the stream.
 * Rejects with the policy's own error (BulkheadRejectedError, BrokenCircuitError, ...) when it does not let
 * the execution in.
 */
export function holdPolicy(policy: IPolicy, signal: AbortSignal): Promise<HeldPolicy> {
  return new Promise<HeldPolicy>((resolve, reject) => {
    let entered = false;
    policy
      .execute(
        (context) =>
          new Promise<void>((done, fail) => {
            entered = true;
            let released = false;
            resolve({
              signal: context.signal,
              release(error) {
                if (released) return;
                released = true;
                if (error === undefined) done();
                // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the holder's own failure, passed on as it came
                else fail(error);
              },
            });
          }),
        signal,
      )
      .catch((error: unknown) => {
        // After entering, the rejection is the failure the holder reported itself: nothing to pass on.
        if (!entered) reject(error);
      });
  });
}
