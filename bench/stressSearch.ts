/**
 * The stress profile: steps at rising rates, each checked against the thresholds, until one fails (or the
 * rates run out). The answer is the highest rate that passed and why the next one did not.
 */
import type { ChatTarget } from "./chatTarget.js";
import { runLoadProfile, type LoadRunOptions, type LoadRunResult } from "./runLoadProfile.js";

export interface StressResult {
  steps: LoadRunResult[];
  /** Highest rate whose step passed every threshold; 0 when none did. */
  highestPassingRps: number;
  /** The first failing step's failed checks, or undefined if every step passed. */
  failedAt?: { rps: number; checks: string[] };
}

export type StressOptions = Omit<LoadRunOptions, "name" | "about" | "rate" | "durationSec"> & {
  stepSec: number;
  rates: readonly number[];
  progress(text: string): void;
};

export async function stressSearch(target: ChatTarget, options: StressOptions): Promise<StressResult> {
  const steps: LoadRunResult[] = [];
  let highestPassingRps = 0;
  for (const rps of options.rates) {
    const step = await runLoadProfile(target, { ...options, name: `stress ${rps}`, about: `${rps} req/s`, durationSec: options.stepSec, rate: () => rps });
    steps.push(step);
    options.progress(`  stress ${rps} req/s: ${step.pass ? "pass" : "FAIL"} (${step.checks.filter((c) => !c.pass).map((c) => c.name).join(", ") || "all thresholds met"})`);
    if (!step.pass) return { steps, highestPassingRps, failedAt: { rps, checks: step.checks.filter((c) => !c.pass).map((c) => c.name) } };
    highestPassingRps = rps;
  }
  return { steps, highestPassingRps };
}
