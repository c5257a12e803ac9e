/**
 * The throughput scenario's measurement: for every case (non-streaming at 50 and 200 connections, streaming at
 * 50), every variant in turn under autocannon, round after round with the order rotating; each figure is the
 * median over rounds, and each ratio the median over rounds of (variant / reference in the same round).
 */
import { median } from "./percentiles.js";
import { rotated, type BenchVariant } from "./benchVariant.js";
import { runAutocannon, type AutocannonStats } from "./runAutocannon.js";

export interface ThroughputCase {
  id: string;
  stream: boolean;
  connections: number;
}

export const defaultThroughputCases: readonly ThroughputCase[] = [
  { id: "plain-50", stream: false, connections: 50 },
  { id: "plain-200", stream: false, connections: 200 },
  { id: "stream-50", stream: true, connections: 50 },
];

export interface ThroughputFigures {
  rps: number;
  p50Us: number;
  p99Us: number;
  /** Per-round ratios' medians: this variant's rps over the direct upstream's and over the pass-through's. */
  ofDirect?: number;
  ofPassThrough?: number;
  failed: number;
}

export interface ThroughputCaseResult {
  case: ThroughputCase;
  /** variant id → rounds */
  rounds: Record<string, AutocannonStats[]>;
  summary: Record<string, ThroughputFigures>;
}

export interface ThroughputOptions {
  durationSec: number;
  rounds: number;
  cases: readonly ThroughputCase[];
  progress(text: string): void;
}

const failedOf = (stats: AutocannonStats) => stats.errors + stats.timeouts + stats.non2xx;

export async function throughputRounds(variants: readonly BenchVariant[], options: ThroughputOptions): Promise<ThroughputCaseResult[]> {
  const results: ThroughputCaseResult[] = options.cases.map((c) => ({ case: c, rounds: Object.fromEntries(variants.map((v) => [v.id, []])), summary: {} }));
  for (let round = 0; round < options.rounds; round++) {
    for (const result of results) {
      for (const variant of rotated(variants, round)) {
        const stats = await runAutocannon(variant.target, { connections: result.case.connections, durationSec: options.durationSec, stream: result.case.stream });
        result.rounds[variant.id]?.push(stats);
        options.progress(
          `[round ${round + 1}/${options.rounds}] ${result.case.id.padEnd(9)} ${variant.label.padEnd(26)} ${Math.round(stats.okPerSecond)} rps, p50 ${Math.round(stats.p50Us)} µs${failedOf(stats) > 0 ? `, ${failedOf(stats)} failed ${JSON.stringify(stats.non2xxStatuses)}` : ""}`,
        );
      }
    }
  }
  for (const result of results) {
    const ratioTo = (own: AutocannonStats[], reference: AutocannonStats[] | undefined) =>
      reference === undefined ? undefined : median(own.map((stats, i) => stats.okPerSecond / (reference[i]?.okPerSecond ?? Number.NaN)));
    for (const variant of variants) {
      const own = result.rounds[variant.id] ?? [];
      const ofDirect = variant.id === "direct" ? undefined : ratioTo(own, result.rounds.direct);
      const ofPassThrough = variant.id === "direct" || variant.id === "pass-through" ? undefined : ratioTo(own, result.rounds["pass-through"]);
      result.summary[variant.id] = {
        rps: median(own.map((s) => s.okPerSecond)),
        p50Us: median(own.map((s) => s.p50Us)),
        p99Us: median(own.map((s) => s.p99Us)),
        ...(ofDirect === undefined ? {} : { ofDirect }),
        ...(ofPassThrough === undefined ? {} : { ofPassThrough }),
        failed: own.reduce((sum, s) => sum + failedOf(s), 0),
      };
    }
  }
  return results;
}
