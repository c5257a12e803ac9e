/**
 * The peer comparison (`npm run bench:peer`): installs `@portkey-ai/gateway` into a scratch directory, then runs
 * the overhead (concurrency 1) and throughput scenarios against the mock upstream directly, the bare
 * pass-through proxy, Switchyard (production settings) and the peer, alternating in one invocation, and prints
 * one table with ratios.
 */
import { benchUsage, parseBenchArgs, type NumberFlag, type StringFlag } from "./benchArgs.js";
import { checkChatTarget } from "./checkChatTarget.js";
import { latencyTable, renderTables, throughputTable } from "./comparisonReport.js";
import { installPeer } from "./installPeer.js";
import { latencyRounds } from "./latencyRounds.js";
import { runMain, runScenario } from "./runScenario.js";
import { startComparisonVariants } from "./startComparisonVariants.js";
import { startPeer } from "./startPeer.js";
import { defaultThroughputCases, throughputRounds } from "./throughputRounds.js";

const flags = {
  duration: { default: 10, min: 0.1, help: "seconds per throughput measurement" },
  "overhead-duration": { default: 5, min: 0.1, help: "seconds per concurrency-1 loop (plain, then streamed)" },
  rounds: { default: 3, min: 1, integer: true, help: "rounds; figures are medians over rounds" },
  chunks: { default: 16, min: 1, integer: true, help: "content chunks per streamed answer" },
} satisfies Record<string, NumberFlag>;

const strings = {
  streaming: { default: "client", help: "comma-separated upstreamStreaming settings, one Switchyard each (e.g. client,always)" },
} satisfies Record<string, StringFlag>;

const about = `Installs @portkey-ai/gateway into a scratch directory under the system temporary directory (reused when present),
then measures direct, pass-through, Switchyard and the peer side by side. Takes about
rounds × 4 variants × (2 × overhead-duration + 3 × duration) seconds plus the install.`;

runMain("peer comparison", async () => {
  const argv = process.argv.slice(2);
  const args = parseBenchArgs(argv, flags, strings);
  if (args.help) {
    process.stdout.write(`${benchUsage("node dist/bench/peer.js [flags]", about, flags, strings)}\n`);
    return 0;
  }
  const command = ["node", "dist/bench/peer.js", ...argv].join(" ");
  return runScenario({ name: "peer", command, outDir: args.outDir }, async ({ services, progress }) => {
    const peer = await installPeer(progress);
    const streamings = args.strings.streaming.split(",").map((s) => s.trim()).filter(Boolean);
    const { mock, variants } = await startComparisonVariants(services, args.numbers.chunks, streamings);
    const { service, variant } = await startPeer(peer, mock.url);
    services.push(service);
    await checkChatTarget(variant.label, variant.target);
    variants.push(variant);
    const { rounds, duration } = args.numbers;
    const latency = await latencyRounds(variants, { durationSec: args.numbers["overhead-duration"], rounds, progress });
    const throughput = await throughputRounds(variants, { durationSec: duration, rounds, cases: defaultThroughputCases, progress });
    const tables = [latencyTable(variants, latency), throughputTable(variants, throughput)];
    const preface = `${rounds} rounds; concurrency 1: ${args.numbers["overhead-duration"]} s plain + ${args.numbers["overhead-duration"]} s streamed loops (hrtime); throughput: ${duration} s autocannon per case; medians over rounds; added and ratios per round, then the median`;
    const failed =
      Object.values(latency.summary).some((f) => f.failed > 0) || throughput.some((c) => Object.values(c.summary).some((f) => f.failed > 0));
    return {
      result: { options: args.numbers, peer: { package: "@portkey-ai/gateway", version: peer.version }, variants: variants.map(({ id, label, settings }) => ({ id, label, settings })), latency, throughput },
      text: `${preface}\n\n${renderTables(tables, false)}`,
      markdown: `${preface}.\n\n${renderTables(tables, true)}`,
      failed,
    };
  });
});
