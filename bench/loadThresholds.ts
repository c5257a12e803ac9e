/**
 * The targets every load profile is checked against: p95 < 200 ms for non-LLM API calls, time to first token
 * p95 < 3 s for streams, and an error rate below 0.1 %. Each is printed as pass or fail.
 */
import type { LoadStats } from "./loadStats.js";

export interface ThresholdCheck {
  name: string;
  value: number;
  limit: number;
  unit: "ms" | "%";
  pass: boolean;
}

export const thresholds = { apiP95Ms: 200, ttftP95Ms: 3000, errorRatePercent: 0.1, soakRssGrowthPercent: 10 } as const;

const check = (name: string, value: number, limit: number, unit: ThresholdCheck["unit"]): ThresholdCheck => ({
  name,
  value,
  limit,
  unit,
  // No measurement (NaN) is not a pass.
  pass: Number.isFinite(value) && value < limit,
});

export function checkThresholds(stats: LoadStats): ThresholdCheck[] {
  return [
    check("non-LLM API p95", stats.byKind.api.p95Ms, thresholds.apiP95Ms, "ms"),
    check("TTFT p95 (streams)", stats.byKind.stream.firstByteP95Ms, thresholds.ttftP95Ms, "ms"),
    check("error rate", stats.errorRate * 100, thresholds.errorRatePercent, "%"),
  ];
}

/**
 * The soak's memory target: RSS growth from its lowest point after the warm-up to the end of the run. The warm-up
 * (JIT code, V8 sizing its heap to the load, pools filling) is growth a restart would repeat, not a leak.
 */
export function checkRssGrowth(growth: { percent: number; warmupSec: number }): ThresholdCheck {
  return check(`RSS growth from the low after ${growth.warmupSec} s warm-up`, growth.percent, thresholds.soakRssGrowthPercent, "%");
}

export function describeCheck(check: ThresholdCheck): string {
  const value = Number.isFinite(check.value) ? (check.unit === "%" ? check.value.toFixed(3) : check.value.toFixed(1)) : "n/a";
  return `${check.pass ? "PASS" : "FAIL"} ${check.name} ${value} ${check.unit} (< ${check.limit} ${check.unit})`;
}
