/**
 * Who may call an engine now: cockatiel's bulkhead (maxConcurrency running, maxQueue waiting) in front of its
 * circuit breaker, entered once per try and held until the try's stream is over, so the slot and the breaker's
 * verdict span the consumer's reads rather than one function call.
 */
import { bulkhead, circuitBreaker, CircuitState, handleWhen, SamplingBreaker, wrap } from "cockatiel";
import type { EngineConfig } from "../config/schema.js";
import { holdPolicy, type HeldPolicy } from "./holdPolicy.js";
import { isEngineFault } from "./policyErrors.js";

export type BreakerState = "closed" | "open" | "half-open" | "isolated";

export interface Admission {
  /** Resolves with a slot once the bulkhead and the breaker let the call in; rejects with cockatiel's refusal. */
  admit(signal: AbortSignal): Promise<HeldPolicy>;
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

export function createAdmission(
  config: Pick<EngineConfig, "maxConcurrency" | "maxQueue" | "breaker">,
  onBreakerChange?: (state: "open" | "closed" | "half-open") => void,
): Admission {
  const slots = bulkhead(config.maxConcurrency, config.maxQueue);
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
  const policy = wrap(slots, breaker);
  return {
    admit: (signal) => holdPolicy(policy, signal),
    get breaker() {
      return breakerStates[breaker.state];
    },
    get inFlight() {
      return config.maxConcurrency - slots.executionSlots;
    },
    get queued() {
      return config.maxQueue - slots.queueSlots;
    },
  };
}
