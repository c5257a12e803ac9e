/** The load scenario's report: one row per profile (and per stress step), the threshold checks, RSS. */
import { formatTable } from "./formatTable.js";
import { describeCheck } from "./loadThresholds.js";
import { markdownTable } from "./markdownTable.js";
import type { LoadRunResult } from "./runLoadProfile.js";
import type { StressResult } from "./stressSearch.js";

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : "n/a");
const mb = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : "n/a");

function rows(runs: readonly LoadRunResult[]): string[][] {
  return runs.map((run) => [
    run.name,
    `${run.durationSec}`,
    run.stats.count.toLocaleString("en-US"),
    (run.stats.count / run.durationSec).toFixed(0),
    ms(run.stats.byKind.api.p95Ms),
    ms(run.stats.byKind.chat.p95Ms),
    ms(run.stats.byKind.stream.firstByteP95Ms),
    Number.isFinite(run.stats.errorRate) ? (run.stats.errorRate * 100).toFixed(3) : "n/a",
    `${mb(run.rss.startMb)} → ${mb(run.rss.endMb)} (max ${mb(run.rss.maxMb)})`,
    run.pass ? "pass" : "FAIL",
  ]);
}

const header = ["profile", "s", "requests", "req/s", "API p95 ms", "chat p95 ms", "TTFT p95 ms", "errors %", "RSS MB", "result"];

export function formatLoad(runs: readonly LoadRunResult[], stress: StressResult | undefined, markdown: boolean): string {
  const all = [...runs, ...(stress?.steps ?? [])];
  const table = markdown ? markdownTable(header, rows(all)) : formatTable(header, rows(all));
  const checks = all.flatMap((run) => [`${run.name} (${run.about}):`, ...run.checks.map((c) => `  ${describeCheck(c)}`), ...Object.entries(run.stats.errors).map(([e, n]) => `  error ×${n}: ${e}`)]);
  const stressLine =
    stress === undefined
      ? []
      : [
          `stress: highest rate meeting every threshold ${stress.highestPassingRps} req/s` +
            (stress.failedAt ? `; failed at ${stress.failedAt.rps} req/s (${stress.failedAt.checks.join(", ")})` : "; no step failed"),
        ];
  const body = markdown ? ["```", ...checks, "```"] : checks;
  return [table, "", ...stressLine, ...(stressLine.length > 0 ? [""] : []), ...body].join("\n");
}
