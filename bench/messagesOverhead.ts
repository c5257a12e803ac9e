/**
 * Anthropic's /v1/messages next to /v1/chat/completions on the same Switchyard process (production settings),
 * with the mock upstream directly and the bare pass-through as references: the latency each API adds at
 * concurrency 1 (plain and time to first streamed byte) and throughput at 50 connections, streamed and plain.
 * Both APIs are answered by the same OpenAI-compatible mock, so the difference is the translation and the wire.
 */
import { benchUsage, parseBenchArgs, type NumberFlag } from "./benchArgs.js";
import { checkChatTarget } from "./checkChatTarget.js";
import { latencyTable, renderTables, throughputTable } from "./comparisonReport.js";
import { latencyRounds } from "./latencyRounds.js";
import { messagesTarget } from "./messagesTarget.js";
import { runMain, runScenario } from "./runScenario.js";
import { startComparisonVariants } from "./startComparisonVariants.js";
import { throughputRounds } from "./throughputRounds.js";

const flags = {
  duration: { default: 6, min: 0.1, help: "seconds per throughput measurement" },
  "overhead-duration": { default: 4, min: 0.1, help: "seconds per concurrency-1 measurement" },
  rounds: { default: 3, min: 1, integer: true, help: "rounds; figures are medians over rounds" },
  chunks: { default: 16, min: 1, integer: true, help: "content chunks per streamed answer" },
} satisfies Record<string, NumberFlag>;

const about = `Variants: the mock directly, the pass-through, Switchyard's /v1/chat/completions and its /v1/messages (one process).
Takes about rounds × 4 variants × (2 × overhead-duration + 2 × duration) seconds.`;

runMain("messages overhead benchmark", async () => {
  const argv = process.argv.slice(2);
  const args = parseBenchArgs(argv, flags);
  if (args.help) {
    process.stdout.write(`${benchUsage("node dist/bench/messagesOverhead.js [flags]", about, flags)}\n`);
    return 0;
  }
  const command = ["node", "dist/bench/messagesOverhead.js", ...argv].join(" ");
  return runScenario({ name: "messages-overhead", command, outDir: args.outDir }, async ({ services, progress }) => {
    const { variants } = await startComparisonVariants(services, args.numbers.chunks);
    const switchyard = variants.find((variant) => variant.id === "switchyard");
    if (switchyard === undefined) throw new Error("no switchyard variant");
    switchyard.label = "switchyard /v1/chat/completions";
    const messages = { id: "switchyard-messages", label: "switchyard /v1/messages", target: messagesTarget(switchyard.target), settings: switchyard.settings };
    await checkChatTarget(messages.label, messages.target);
    variants.push(messages);
    const latency = await latencyRounds(variants, { durationSec: args.numbers["overhead-duration"], rounds: args.numbers.rounds, progress });
    const cases = await throughputRounds(variants, {
      durationSec: args.numbers.duration,
      rounds: args.numbers.rounds,
      cases: [
        { id: "stream-50", stream: true, connections: 50 },
        { id: "plain-50", stream: false, connections: 50 },
      ],
      progress,
    });
    const tables = [latencyTable(variants, latency), throughputTable(variants, cases)];
    const preface = `${args.numbers.rounds} rounds; medians over rounds; ratios are medians of per-round ratios`;
    return {
      result: { options: args.numbers, variants: variants.map(({ id, label, settings }) => ({ id, label, settings })), latency, throughput: cases },
      text: `${preface}\n\n${renderTables(tables, false)}`,
      markdown: `${preface}.\n\n${renderTables(tables, true)}`,
      failed: cases.some((c) => Object.values(c.summary).some((f) => f.failed > 0)) || Object.values(latency.summary).some((f) => f.failed > 0),
    };
  });
});
