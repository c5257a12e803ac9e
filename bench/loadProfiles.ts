/**
 * The required load profiles as rates over time. Durations are the full ones; a shortened run passes its own
 * duration and every profile keeps its shape (the spike still starts at 40 % of the run).
 */

export type ProfileName = "steady" | "ramp" | "spike" | "soak" | "stress";

export interface RateProfile {
  name: Exclude<ProfileName, "stress">;
  about: string;
  durationSec: number;
  /** Requests per second at t of durationSec. */
  rate(t: number, durationSec: number): number;
  /** Seconds per window in the report (and per RSS sample). */
  windowSec(durationSec: number): number;
}

const window = (durationSec: number) => Math.max(1, Math.round(durationSec / 60));

export const rateProfiles: Record<RateProfile["name"], RateProfile> = {
  steady: { name: "steady", about: "100 req/s", durationSec: 600, rate: () => 100, windowSec: window },
  ramp: { name: "ramp", about: "10 → 1,000 req/s, linear", durationSec: 300, rate: (t, d) => 10 + (990 * t) / d, windowSec: window },
  spike: {
    name: "spike",
    about: "100 req/s, 500 req/s at once from 40 % to 60 % of the run, then 100 again",
    durationSec: 180,
    rate: (t, d) => (t >= 0.4 * d && t < 0.6 * d ? 500 : 100),
    windowSec: window,
  },
  soak: { name: "soak", about: "100 req/s for an hour; the gateway's RSS over time", durationSec: 3600, rate: () => 100, windowSec: window },
};

export interface StressPlan {
  about: string;
  /** Seconds per step. */
  stepSec: number;
  /** Rates tried in order until a step fails its thresholds. */
  rates: readonly number[];
}

export const stressPlan: StressPlan = {
  about: "steps of 30 s at rising rates until a step fails the thresholds",
  stepSec: 30,
  rates: [100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 4000, 6000, 8000],
};
