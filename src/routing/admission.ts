/**
 * Who may call an engine now: a slot of its bulkhead (maxConcurrency running, maxQueue waiting), then cockatiel's
 * circuit breaker, held until the call's stream is over so the slot and the breaker's verdict span the
 * consumer's reads rather than one function call.
 *
 * While the breaker is closed, the call is not held inside it: its outcome is recorded when it ends (the
 * sampling window counts it then), so an open stream keeps no breaker frames alive. When the breaker is not
 * closed, the call runs inside it as cockatiel decides: refused while open, one trial when half-open.
 */
import { circuitBreaker, CircuitState, handleWhen, SamplingBreaker } from "cockatiel";
import type { EngineConfig } from "../config/schema.js";
import { createSemaphore } from "../createSemaphore.js";
import { GatewayError } from "../errors.js";
import { holdPolicy } from "./holdPolicy.js";
import { isEngineFault } from "./policyErrors.js";

export type BreakerState = "closed" | "open" | "half-open" | "isolated";

export interface Slot {
  /** Ends the call: without an error it counts as a success for the breaker, with one as that failure. Once. */
  release(failure?: unknown): void;
}

export interface Admission {
  /**
   * Resolves with a slot once the bulkhead and the breaker let the call in; rejects with engine_overloaded when
   * the queue is full, cockatiel's refusal when the breaker is open, or an AbortError when the signal fires.
   */
  admit(signal: AbortSignal): Promise<Slot>;
  readonly breaker: BreakerState;
  readonly inFlight: number;
  readonly queued: number;
}

const breakerStates: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: "closed",
  [CircuitState.Open]: "open",
  [CircuitState.HalfOpen]: "half-open",
  [CircuitState.Isolated]: "isolated",
};

const ignore = () => undefined;

export function createAdmission(
  engine: string,
  config: Pick<EngineConfig, "maxConcurrency" | "maxQueue" | "breaker">,
  onBreakerChange?: (state: "open" | "closed" | "half-open") => void,
): Admission {
  const slots = createSemaphore(config.maxConcurrency, {
    maxQueue: config.maxQueue,
    queueFull: () => new GatewayError("engine_overloaded", `engine ${engine} is at capacity`, { retryAfterSeconds: 1 }),
  });
  const breaker = circuitBreaker(handleWhen(isEngineFault), {
    halfOpenAfter: config.breaker.halfOpenAfterMs,
    breaker: new SamplingBreaker({
      // cockatiel opens when failures exceed the threshold; the config says "at" the ratio.
      threshold: Math.min(0.999, Math.max(0.001, config.breaker.failureRatio - 1e-9)),
      duration: config.breaker.windowMs,
      minimumRps: config.breaker.minRequests / (config.breaker.windowMs / 1000),
    }),
  });
  if (onBreakerChange) {
    breaker.onStateChange((next) => {
      if (next === CircuitState.Open) onBreakerChange("open");
      else if (next === CircuitState.Closed) onBreakerChange("closed");
      else if (next === CircuitState.HalfOpen) onBreakerChange("half-open");
    });
  }
  // A closed breaker hears the outcome after the fact; if it opened meanwhile it refuses to record, which is moot.
  const record = (failure: unknown) => {
    breaker.execute(() => (failure === undefined ? undefined : Promise.reject(failure as Error))).catch(ignore);
  };

  const enterBreaker = async (signal: AbortSignal, freeSlot: () => void): Promise<Slot> => {
    let once = false;
    if (breaker.state === CircuitState.Closed) {
      return {
        release(failure) {
          if (once) return;
          once = true;
          freeSlot();
          record(failure);
        },
      };
    }
    let held;
    try {
      held = await holdPolicy(breaker, signal);
    } catch (error) {
      freeSlot();
      throw error;
    }
    return {
      release(failure) {
        if (once) return;
        once = true;
        freeSlot();
        held.release(failure);
      },
    };
  };

  return {
    admit(signal) {
      const now = slots.tryAcquire();
      if (now) return enterBreaker(signal, now);
      return slots.acquire(signal).then((free) => enterBreaker(signal, free));
    },
    get breaker() {
      return breakerStates[breaker.state];
    },
    get inFlight() {
      return slots.active;
    },
    get queued() {
      return slots.waiting;
    },
  };
}
