/** Mean and 95th percentile of a set of durations; nulls when there are none. */
export interface DurationSummary {
  mean: number | null;
  p95: number | null;
}

export function summarizeDurations(values: readonly number[]): DurationSummary {
  if (values.length === 0) return { mean: null, p95: null };
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  // Nearest rank: the smallest value with at least 95% of the values at or below it, always one that was observed.
  const rank = Math.ceil(0.95 * sorted.length);
  return { mean: sum / sorted.length, p95: sorted[rank - 1] ?? null };
}
