/**
 * Readiness with hysteresis: not ready until a check first passes, then not ready again only after
 * `failureThreshold` consecutive failed checks. One slow probe (a store hiccup every replica sees at once) must
 * not pull the whole fleet out of the load balancer; a store that stays down does, within a few probe periods.
 */
export interface Readiness {
  /** Records one check's outcome and returns whether the instance is ready now. */
  record(passed: boolean): boolean;
  readonly ready: boolean;
  readonly consecutiveFailures: number;
}

export function createReadiness(failureThreshold: number): Readiness {
  let ready = false;
  let failures = 0;
  return {
    record(passed) {
      if (passed) {
        failures = 0;
        ready = true;
      } else {
        failures += 1;
        if (failures >= failureThreshold) ready = false;
      }
      return ready;
    },
    get ready() {
      return ready;
    },
    get consecutiveFailures() {
      return failures;
    },
  };
}
