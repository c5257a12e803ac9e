/**
 * Reduces open-loop samples: per kind (percentiles, error rate) and per time window (offered and achieved
 * rate, latency), which the thresholds, the stress search and the chart read.
 */
import { percentile, sortedCopy } from "./percentiles.js";
import type { LoadSample, RequestKind } from "./openLoop.js";

export interface KindStats {
  count: number;
  failed: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** First byte: time to first token for streams. */
  firstByteP95Ms: number;
}

export interface LoadStats {
  count: number;
  failed: number;
  errorRate: number;
  byKind: Record<RequestKind, KindStats>;
  /** The most common failure reasons, with counts. */
  errors: Record<string, number>;
}

export interface LoadWindow {
  /** Window start, seconds since the start of the run. */
  t: number;
  offeredRps: number;
  okRps: number;
  p50Ms: number;
  p95Ms: number;
  failed: number;
  rssMb?: number;
}

function kindStats(samples: readonly LoadSample[]): KindStats {
  const ok = samples.filter((s) => s.ok);
  const latencies = sortedCopy(ok.map((s) => s.latencyMs));
  const firstBytes = sortedCopy(ok.map((s) => s.firstByteMs));
  return {
    count: samples.length,
    failed: samples.length - ok.length,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    p99Ms: percentile(latencies, 99),
    firstByteP95Ms: percentile(firstBytes, 95),
  };
}

export function loadStats(samples: readonly LoadSample[]): LoadStats {
  const errors: Record<string, number> = {};
  for (const sample of samples) if (sample.error !== undefined) errors[sample.error] = (errors[sample.error] ?? 0) + 1;
  const top = Object.entries(errors).sort((a, b) => b[1] - a[1]).slice(0, 5);
  const failed = samples.filter((s) => !s.ok).length;
  return {
    count: samples.length,
    failed,
    errorRate: samples.length > 0 ? failed / samples.length : Number.NaN,
    byKind: {
      api: kindStats(samples.filter((s) => s.kind === "api")),
      chat: kindStats(samples.filter((s) => s.kind === "chat")),
      stream: kindStats(samples.filter((s) => s.kind === "stream")),
    },
    errors: Object.fromEntries(top),
  };
}

/** Samples bucketed by scheduled time; latency over successful requests of every kind. */
export function loadWindows(samples: readonly LoadSample[], windowSec: number, durationSec: number): LoadWindow[] {
  const count = Math.max(1, Math.ceil(durationSec / windowSec));
  const buckets: LoadSample[][] = Array.from({ length: count }, () => []);
  for (const sample of samples) buckets[Math.min(count - 1, Math.floor(sample.t / windowSec))]?.push(sample);
  return buckets.map((bucket, i) => {
    const latencies = sortedCopy(bucket.filter((s) => s.ok).map((s) => s.latencyMs));
    return {
      t: i * windowSec,
      offeredRps: bucket.length / windowSec,
      okRps: latencies.length / windowSec,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      failed: bucket.length - latencies.length,
    };
  });
}
