/**
 * The series endpoint's dense points shaped into chart rows: one row per bucket, one numeric field per line.
 * Grouped series become one field per group (the busiest few, the rest summed as "other"); the field names are
 * g0, g1, … because a group's own name (an engine "a.b") would read as a path to the charts library.
 */
import type { Bucket, SeriesPoint, UsageSeries } from "../../api/types";

export type ChartRow = { start: string; label: string } & Record<string, string | number | null>;

export interface ChartLine {
  key: string;
  name: string;
}

export const MAX_GROUPS = 8;

/** "2025-01-31 14:00" for hours, "2025-01-31" for days (UTC, as the buckets are). */
export function bucketLabel(start: string, bucket: Bucket): string {
  const iso = new Date(start).toISOString();
  return bucket === "hour" ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

/** Totals per bucket over every group; percentiles only when there is one series (they cannot be summed). */
export function totalRows(answer: UsageSeries): ChartRow[] {
  const series = answer.series;
  const first = series[0];
  if (first === undefined) return [];
  return first.points.map((point, index) => {
    const points = series.map((s) => s.points[index]).filter((p): p is SeriesPoint => p !== undefined);
    const sum = (pick: (p: SeriesPoint) => number) => points.reduce((total, p) => total + pick(p), 0);
    const single = series.length === 1 ? point : undefined;
    return {
      start: point.start,
      label: bucketLabel(point.start, answer.bucket),
      requests: sum((p) => p.requests),
      errors: sum((p) => p.errors),
      inputTokens: sum((p) => p.inputTokens),
      outputTokens: sum((p) => p.outputTokens),
      costUsd: roundUsd(sum((p) => p.costUsd)),
      latencyP50: single?.latencyMs?.p50 ?? null,
      latencyP95: single?.latencyMs?.p95 ?? null,
      latencyP99: single?.latencyMs?.p99 ?? null,
      ttftP50: single?.ttftMs?.p50 ?? null,
      ttftP95: single?.ttftMs?.p95 ?? null,
      ttftP99: single?.ttftMs?.p99 ?? null,
    };
  });
}

export type GroupMetric = "requests" | "errors" | "tokens" | "costUsd" | "latencyP95" | "ttftP95";

const pickers: Record<GroupMetric, (p: SeriesPoint) => number | null> = {
  requests: (p) => p.requests,
  errors: (p) => p.errors,
  tokens: (p) => p.inputTokens + p.outputTokens,
  costUsd: (p) => p.costUsd,
  latencyP95: (p) => p.latencyMs?.p95 ?? null,
  ttftP95: (p) => p.ttftMs?.p95 ?? null,
};

/** One line per group of one metric. Percentiles of "other" are left out: they do not add up. */
export function groupRows(answer: UsageSeries, metric: GroupMetric): { rows: ChartRow[]; lines: ChartLine[] } {
  const ranked = [...answer.series].sort((a, b) => requestsOf(b) - requestsOf(a));
  const top = ranked.slice(0, MAX_GROUPS);
  const rest = ranked.slice(MAX_GROUPS);
  const summable = metric !== "latencyP95" && metric !== "ttftP95";
  const lines: ChartLine[] = top.map((s, i) => ({ key: `g${i}`, name: s.group ?? "(none)" }));
  if (rest.length > 0 && summable) lines.push({ key: "other", name: `other (${rest.length})` });
  const pick = pickers[metric];
  const first = ranked[0];
  if (first === undefined) return { rows: [], lines: [] };
  const rows = first.points.map((point, index) => {
    const row: ChartRow = { start: point.start, label: bucketLabel(point.start, answer.bucket) };
    top.forEach((s, i) => {
      const p = s.points[index];
      row[`g${i}`] = p === undefined ? null : round(pick(p), metric);
    });
    if (rest.length > 0 && summable) {
      row.other = round(
        rest.reduce((total, s) => total + (s.points[index] === undefined ? 0 : (pick(s.points[index]) ?? 0)), 0),
        metric,
      );
    }
    return row;
  });
  return { rows, lines };
}

function requestsOf(series: { points: SeriesPoint[] }): number {
  return series.points.reduce((total, p) => total + p.requests, 0);
}

function round(value: number | null, metric: GroupMetric): number | null {
  if (value === null) return null;
  return metric === "costUsd" ? roundUsd(value) : value;
}

/** Sums of float prices drift (0.1 + 0.2); a millionth of a dollar is the ledger's precision. */
function roundUsd(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
