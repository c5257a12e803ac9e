/**
 * The side-by-side tables (throughput with ratios, and overhead at concurrency 1 when measured), as plain text
 * for the terminal and as markdown for the results file.
 */
import { formatTable } from "./formatTable.js";
import { markdownTable } from "./markdownTable.js";
import type { BenchVariant } from "./benchVariant.js";
import type { LatencyResult } from "./latencyRounds.js";
import type { ThroughputCaseResult } from "./throughputRounds.js";

type Table = { header: string[]; rows: string[][]; textColumns?: number };

const int = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "-");
const signed = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? `${value >= 0 ? "+" : ""}${int(value)}` : "-");
const ratio = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? value.toFixed(2) : "-");

export function throughputTable(variants: readonly BenchVariant[], cases: readonly ThroughputCaseResult[]): Table {
  const rows: string[][] = [];
  for (const result of cases) {
    for (const variant of variants) {
      const f = result.summary[variant.id];
      if (!f) continue;
      rows.push([result.case.id, variant.label, int(f.rps), ratio(f.ofDirect), ratio(f.ofPassThrough), int(f.p50Us), int(f.p99Us), int(f.failed)]);
    }
  }
  return { header: ["case", "variant", "rps", "× direct", "× pass-through", "p50 µs", "p99 µs", "failed"], rows, textColumns: 2 };
}

export function latencyTable(variants: readonly BenchVariant[], latency: LatencyResult): Table {
  const rows = variants.map((variant) => {
    const f = latency.summary[variant.id];
    return [variant.label, int(f?.p50Us), int(f?.p99Us), signed(f?.addedP50Us), signed(f?.addedP99Us), int(f?.ttfbP50Us), signed(f?.addedTtfbP50Us), signed(f?.addedTtfbP99Us), int(f?.failed)];
  });
  return { header: ["variant (c=1)", "p50 µs", "p99 µs", "added p50", "added p99", "TTFB p50 µs", "added TTFB p50", "added TTFB p99", "failed"], rows };
}

export function renderTables(tables: readonly Table[], markdown: boolean): string {
  return tables.map((t) => (markdown ? markdownTable(t.header, t.rows, t.textColumns) : formatTable(t.header, t.rows, t.textColumns))).join("\n\n");
}
