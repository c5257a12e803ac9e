import type { Clock } from "../../src/store/clock.js";

/** A clock that ticks 1 ms per reading, so rows get distinct, ordered timestamps without waiting; or freezes. */
export interface TestClock {
  now: Clock;
  /** Every reading returns the same instant until resume(): for ties. */
  freeze(): void;
  resume(): void;
}

export function createTestClock(start = 1_700_000_000_000): TestClock {
  let current = start;
  let step = 1;
  return {
    now: () => (current += step),
    freeze: () => {
      step = 0;
    },
    resume: () => {
      step = 1;
    },
  };
}
