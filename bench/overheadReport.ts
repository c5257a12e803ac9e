/**
 * The overhead benchmark's results: the JSON document written by --out, and the text tables printed.
 */
import { formatTable } from "./formatTable.js";
import type { Figures, LatencyFigures, RoundResult } from "./overheadSummary.js";

export type VariantId = "direct" | "on" | "off";

export interface VariantResult {
  id: VariantId;
  label: string;
  /** The settings that differ between variants. */
  settings: Record<string, unknown>;
  rounds: RoundResult[];
  summary: Figures;
  /** Undefined for the direct baseline. */
  added?: LatencyFigures;
  /** Log lines the process wrote per request it served, when it wrote a log file. */
  logLinesPerRequest?: number;
  failures: string[];
}

export interface OnOffComparison {
  /** added(on) / added(off), per latency metric. */
  addedRatio: LatencyFigures;
  /** added(on) − added(off): what info logs and metrics cost, per latency metric. */
  addedDifferenceUs: LatencyFigures;
  /** rps(on) / rps(off). */
  rpsRatio: number;
}

export interface OverheadResult {
  benchmark: "overhead";
  command: string;
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; platform: string; node: string; loadAverageAtStart: number[] };
  options: { durationSec: number; rounds: number; warmupSec: number; chunks: number; connections: 1 };
  variants: VariantResult[];
  onOff: OnOffComparison;
}

const us = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a");
const signedUs = (value: number) => (Number.isFinite(value) ? `${value >= 0 ? "+" : ""}${us(value)}` : "n/a");
const ratio = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : "n/a");

export function compareOnOff(on: VariantResult, off: VariantResult): OnOffComparison {
  const addedOn = on.added;
  const addedOff = off.added;
  if (!addedOn || !addedOff) throw new Error("both Switchyard variants need added figures");
  const per = (f: (a: number, b: number) => number) =>
    Object.fromEntries(Object.keys(addedOn).map((key) => [key, f(addedOn[key as keyof LatencyFigures], addedOff[key as keyof LatencyFigures])])) as LatencyFigures;
  return { addedRatio: per((a, b) => a / b), addedDifferenceUs: per((a, b) => a - b), rpsRatio: on.summary.rps / off.summary.rps };
}

export function formatOverhead(result: OverheadResult): string {
  const mainTable = formatTable(
    ["variant", "rps", "p50 µs", "p99 µs", "added p50", "added p99", "TTFB p50 µs", "TTFB p99 µs", "added TTFB p50", "added TTFB p99"],
    result.variants.map((v) => [
      v.label,
      us(v.summary.rps),
      us(v.summary.p50Us),
      us(v.summary.p99Us),
      v.added ? signedUs(v.added.p50Us) : "-",
      v.added ? signedUs(v.added.p99Us) : "-",
      us(v.summary.ttfbP50Us),
      us(v.summary.ttfbP99Us),
      v.added ? signedUs(v.added.ttfbP50Us) : "-",
      v.added ? signedUs(v.added.ttfbP99Us) : "-",
    ]),
  );
  const autocannonTable = formatTable(
    ["variant (autocannon runs)", "p50 µs", "p99 µs", "added p50", "added p99", "stream total p50 µs", "added"],
    result.variants.map((v) => [
      v.label,
      us(v.summary.acP50Us),
      us(v.summary.acP99Us),
      v.added ? signedUs(v.added.acP50Us) : "-",
      v.added ? signedUs(v.added.acP99Us) : "-",
      us(v.summary.streamP50Us),
      v.added ? signedUs(v.added.streamP50Us) : "-",
    ]),
  );
  const on = result.variants.find((v) => v.id === "on");
  const off = result.variants.find((v) => v.id === "off");
  const { addedRatio, addedDifferenceUs, rpsRatio } = result.onOff;
  const pair = (metric: keyof LatencyFigures, name: string) =>
    `  ${name.padEnd(9)} ${us(on?.added?.[metric] ?? Number.NaN)} µs on / ${us(off?.added?.[metric] ?? Number.NaN)} µs off = ${ratio(addedRatio[metric])}  (logs+metrics cost ${signedUs(addedDifferenceUs[metric])} µs)`;
  const logLines = on?.logLinesPerRequest === undefined ? [] : [`  info logs: ${on.logLinesPerRequest.toFixed(2)} lines per request (on); ${off?.logLinesPerRequest?.toFixed(2) ?? "n/a"} (off)`];
  const failures = result.variants.flatMap((v) => v.failures.map((failure) => `  ${v.label}: ${failure}`));
  return [
    `concurrency 1; ${result.options.rounds} rounds × ${result.options.durationSec} s per measurement; medians over rounds; added = median over rounds of (variant − direct in the same round)`,
    `p50/p99: sequential non-streaming loop (undici, hrtime); TTFB: sequential streaming loop, to the first body byte; rps: autocannon`,
    "",
    mainTable,
    "",
    autocannonTable,
    "",
    "added latency over direct, logs+metrics on / off:",
    pair("p50Us", "p50"),
    pair("p99Us", "p99"),
    pair("ttfbP50Us", "TTFB p50"),
    pair("ttfbP99Us", "TTFB p99"),
    `  rps       on / off = ${ratio(rpsRatio)}`,
    ...logLines,
    ...(failures.length > 0 ? ["", "FAILURES (figures above are not trustworthy):", ...failures] : []),
  ].join("\n");
}
