/** The usage series API's response shape, as the tests read it. */
export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

export interface SeriesPoint {
  start: string;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: Percentiles | null;
  ttftMs: Percentiles | null;
}

export interface SeriesBody {
  bucket: "hour" | "day";
  groupBy: string;
  from: string;
  to: string;
  series: Array<{ group: string | null; points: SeriesPoint[] }>;
  omittedGroups: number;
}

/** Nearest rank, as the API computes it: the smallest value with at least p of the values at or below it. */
export function nearestRank(values: readonly number[]): Percentiles | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.ceil(p * sorted.length) - 1] ?? Number.NaN;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}
