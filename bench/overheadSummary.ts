/**
 * Reduces the rounds of the overhead benchmark to one figure per metric. Each figure is the median over rounds;
 * an "added" figure is the median over rounds of (variant − direct) within the same round, so a slow spell of
 * the machine that hits both sides of a round cancels out.
 */
import { median } from "./percentiles.js";
import type { AutocannonStats } from "./runAutocannon.js";
import type { SequentialStats } from "./measureSequential.js";

export interface RoundResult {
  autocannon: AutocannonStats;
  plain: SequentialStats;
  stream: SequentialStats;
}

export const latencyMetrics = ["p50Us", "p99Us", "ttfbP50Us", "ttfbP99Us", "streamP50Us", "acP50Us", "acP99Us"] as const;
export type LatencyMetric = (typeof latencyMetrics)[number];
export type LatencyFigures = Record<LatencyMetric, number>;
export type Figures = LatencyFigures & { rps: number };

export function figuresOf(round: RoundResult): Figures {
  return {
    rps: round.autocannon.rps,
    p50Us: round.plain.total.p50Us,
    p99Us: round.plain.total.p99Us,
    ttfbP50Us: round.stream.firstByte.p50Us,
    ttfbP99Us: round.stream.firstByte.p99Us,
    streamP50Us: round.stream.total.p50Us,
    acP50Us: round.autocannon.p50Us,
    acP99Us: round.autocannon.p99Us,
  };
}

export function summarize(rounds: readonly RoundResult[]): Figures {
  const figures = rounds.map(figuresOf);
  const of = (metric: keyof Figures) => median(figures.map((f) => f[metric]));
  return { rps: of("rps"), ...latencyOf(of) };
}

/** Pairs round i of the variant with round i of the baseline. */
export function addedOver(rounds: readonly RoundResult[], baseline: readonly RoundResult[]): LatencyFigures {
  const variant = rounds.map(figuresOf);
  const base = baseline.map(figuresOf);
  return latencyOf((metric) => median(variant.map((f, i) => f[metric] - (base[i]?.[metric] ?? Number.NaN))));
}

function latencyOf(of: (metric: LatencyMetric) => number): LatencyFigures {
  return Object.fromEntries(latencyMetrics.map((metric) => [metric, of(metric)])) as LatencyFigures;
}

/** Requests that failed in any round: a benchmark of errors is not a benchmark of latency. */
export function failuresOf(rounds: readonly RoundResult[]): string[] {
  const failures: string[] = [];
  rounds.forEach((round, i) => {
    const ac = round.autocannon;
    if (ac.errors + ac.timeouts + ac.non2xx > 0) failures.push(`round ${i + 1} autocannon: ${ac.errors} errors, ${ac.timeouts} timeouts, ${ac.non2xx} non-2xx`);
    for (const [kind, stats] of [["plain", round.plain], ["stream", round.stream]] as const) {
      if (stats.errors > 0) failures.push(`round ${i + 1} ${kind}: ${stats.errors} errors (first: ${stats.firstError ?? "?"})`);
    }
  });
  return failures;
}
