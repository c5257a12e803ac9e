/**
 * Throughput: non-streaming at 50 and 200 connections and streaming at 50, against the mock upstream directly,
 * the bare pass-through proxy and Switchyard (production settings), alternating in one invocation; reported
 * as requests per second and as ratios to direct and to the pass-through. See bench/README.md.
 */
import { benchUsage, parseBenchArgs, type NumberFlag } from "./benchArgs.js";
import { renderTables, throughputTable } from "./comparisonReport.js";
import { runMain, runScenario } from "./runScenario.js";
import { startComparisonVariants } from "./startComparisonVariants.js";
import { defaultThroughputCases, throughputRounds } from "./throughputRounds.js";

const flags = {
  duration: { default: 10, min: 0.1, help: "seconds per measurement" },
  rounds: { default: 3, min: 1, integer: true, help: "rounds; figures are medians over rounds" },
  chunks: { default: 16, min: 1, integer: true, help: "content chunks per streamed answer" },
} satisfies Record<string, NumberFlag>;

const about = `Each round runs every case (plain at 50 and 200 connections, streamed at 50) against every variant in turn.
Takes about 3 cases × 3 variants × rounds × duration seconds.`;

runMain("throughput benchmark", async () => {
  const argv = process.argv.slice(2);
  const args = parseBenchArgs(argv, flags);
  if (args.help) {
    process.stdout.write(`${benchUsage("node dist/bench/throughput.js [flags]", about, flags)}\n`);
    return 0;
  }
  const command = ["node", "dist/bench/throughput.js", ...argv].join(" ");
  return runScenario({ name: "throughput", command, outDir: args.outDir }, async ({ services, progress }) => {
    const { variants } = await startComparisonVariants(services, args.numbers.chunks);
    const cases = await throughputRounds(variants, { durationSec: args.numbers.duration, rounds: args.numbers.rounds, cases: defaultThroughputCases, progress });
    const tables = [throughputTable(variants, cases)];
    const preface = `${args.numbers.rounds} rounds × ${args.numbers.duration} s per case and variant; medians over rounds; ratios are medians of per-round ratios`;
    return {
      result: { options: args.numbers, variants: variants.map(({ id, label, settings }) => ({ id, label, settings })), throughput: cases },
      text: `${preface}\n\n${renderTables(tables, false)}`,
      markdown: `${preface}.\n\n${renderTables(tables, true)}`,
      failed: cases.some((c) => Object.values(c.summary).some((f) => f.failed > 0)),
    };
  });
});
