/**
 * The upstream calls running on an engine, for its status(): each call counts from its begin to its settle.
 * The routing layer's bulkhead holds maxConcurrency and the queue, so what runs here is all there is (queued 0).
 */
import type { EngineStatus } from "./spec.js";

export interface CallCounter {
  onBegin(): void;
  onSettled(): void;
  status(): EngineStatus;
}

export function createCallCounter(): CallCounter {
  let inFlight = 0;
  return {
    onBegin() {
      inFlight++;
    },
    onSettled() {
      inFlight--;
    },
    status: () => ({ usable: true, inFlight, queued: 0 }),
  };
}
