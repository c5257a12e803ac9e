/**
 * The overhead measurement for a side-by-side run: at concurrency 1, a sequential non-streaming loop and a
 * sequential streaming loop per variant and round (microsecond timing), and what each variant adds to the
 * direct upstream in the same round, as medians over rounds.
 */
import { median } from "./percentiles.js";
import { measureSequential, type SequentialStats } from "./measureSequential.js";
import { rotated, type BenchVariant } from "./benchVariant.js";

export interface LatencyRound {
  plain: SequentialStats;
  stream: SequentialStats;
}

export interface LatencyFigures {
  p50Us: number;
  p99Us: number;
  ttfbP50Us: number;
  ttfbP99Us: number;
  /** Over the direct upstream, per-round differences' medians; absent for the direct variant itself. */
  addedP50Us?: number;
  addedP99Us?: number;
  addedTtfbP50Us?: number;
  addedTtfbP99Us?: number;
  failed: number;
}

export interface LatencyResult {
  rounds: Record<string, LatencyRound[]>;
  summary: Record<string, LatencyFigures>;
}

export interface LatencyOptions {
  durationSec: number;
  rounds: number;
  progress(text: string): void;
}

const figures = {
  p50Us: (r: LatencyRound) => r.plain.total.p50Us,
  p99Us: (r: LatencyRound) => r.plain.total.p99Us,
  ttfbP50Us: (r: LatencyRound) => r.stream.firstByte.p50Us,
  ttfbP99Us: (r: LatencyRound) => r.stream.firstByte.p99Us,
};

export async function latencyRounds(variants: readonly BenchVariant[], options: LatencyOptions): Promise<LatencyResult> {
  const rounds: Record<string, LatencyRound[]> = Object.fromEntries(variants.map((v) => [v.id, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (const variant of rotated(variants, round)) {
      const plain = await measureSequential(variant.target, { stream: false, durationMs: options.durationSec * 1000 });
      const stream = await measureSequential(variant.target, { stream: true, durationMs: options.durationSec * 1000 });
      rounds[variant.id]?.push({ plain, stream });
      options.progress(
        `[round ${round + 1}/${options.rounds}] c=1       ${variant.label.padEnd(26)} p50 ${Math.round(plain.total.p50Us)} µs, TTFB p50 ${Math.round(stream.firstByte.p50Us)} µs`,
      );
    }
  }
  const direct = rounds.direct;
  const summary: Record<string, LatencyFigures> = {};
  for (const variant of variants) {
    const own = rounds[variant.id] ?? [];
    const of = (f: (r: LatencyRound) => number) => median(own.map(f));
    const added = (f: (r: LatencyRound) => number) => median(own.map((r, i) => f(r) - (direct?.[i] ? f(direct[i]) : Number.NaN)));
    summary[variant.id] = {
      p50Us: of(figures.p50Us),
      p99Us: of(figures.p99Us),
      ttfbP50Us: of(figures.ttfbP50Us),
      ttfbP99Us: of(figures.ttfbP99Us),
      ...(variant.id === "direct" || direct === undefined
        ? {}
        : {
            addedP50Us: added(figures.p50Us),
            addedP99Us: added(figures.p99Us),
            addedTtfbP50Us: added(figures.ttfbP50Us),
            addedTtfbP99Us: added(figures.ttfbP99Us),
          }),
      failed: own.reduce((sum, r) => sum + r.plain.errors + r.stream.errors, 0),
    };
  }
  return { rounds, summary };
}
