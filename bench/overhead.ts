/**
 * What Switchyard adds to a request at concurrency 1, and how much of that is info logging and metrics.
 *
 * Three variants, each in its own process next to a mock upstream in another: (a) direct to the mock,
 * (b) Switchyard as in production (API key auth, rate limits, usage ledger, info logs, metrics), (c) the same with
 * warn logs and metrics off. Variants take turns within each round, and the order rotates between rounds, so
 * drift on a noisy machine spreads over all of them. See bench/README.md.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { dirname } from "node:path";
import { chatTarget, type ChatTarget } from "./chatTarget.js";
import { checkChatTarget } from "./checkChatTarget.js";
import { createApiKey } from "./createApiKey.js";
import { adminKeyVariable, benchEngine, benchModel, gatewayConfig, type GatewaySettings } from "./gatewayConfig.js";
import { measureSequential, type SequentialStats } from "./measureSequential.js";
import { overheadUsage, parseOverheadArgs, type OverheadArgs } from "./overheadArgs.js";
import { compareOnOff, formatOverhead, type OverheadResult, type VariantId, type VariantResult } from "./overheadReport.js";
import { addedOver, failuresOf, summarize, type RoundResult } from "./overheadSummary.js";
import { runAutocannon, type AutocannonStats } from "./runAutocannon.js";
import type { RunningService } from "./runningService.js";
import { startMock } from "./startMock.js";
import { startSwitchyard, type RunningSwitchyard } from "./startSwitchyard.js";

interface Variant {
  id: VariantId;
  label: string;
  settings: Record<string, unknown>;
  target: ChatTarget;
  gateway?: RunningSwitchyard;
  /** Requests sent to it, failed ones included, to put its log volume per request. */
  sent: number;
}

const gatewayVariants: ReadonlyArray<{ id: VariantId; label: string; log: GatewaySettings["logLevel"]; metrics: boolean }> = [
  { id: "on", label: "switchyard info+metrics", log: "info", metrics: true },
  { id: "off", label: "switchyard warn, no metrics", log: "warn", metrics: false },
];

const kinds = ["autocannon", "plain", "stream"] as const;

const progress = (text: string) => process.stderr.write(`${text}\n`);

async function main(argv: readonly string[]): Promise<number> {
  const args = parseOverheadArgs(argv);
  if (args.help) {
    process.stdout.write(`${overheadUsage}\n`);
    return 0;
  }
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadavg();
  const services: RunningService[] = [];
  const stopAll = async () => {
    for (const service of services.splice(0).reverse()) await service.stop().catch(() => undefined);
  };
  process.once("SIGINT", () => void stopAll().then(() => process.exit(130)));
  try {
    const variants = await startVariants(args, services);
    for (const variant of variants) {
      await checkChatTarget(variant.label, variant.target);
      variant.sent += 2;
    }
    if (args.warmupSec > 0) {
      progress(`warming up (${args.warmupSec} s per variant and kind)`);
      for (const variant of variants) {
        for (const stream of [false, true]) {
          const stats = await measureSequential(variant.target, { stream, durationMs: args.warmupSec * 1000 });
          variant.sent += stats.count + stats.errors;
        }
      }
    }
    const rounds = await measureRounds(args, variants);
    const results: VariantResult[] = [];
    const direct = rounds.get("direct") ?? [];
    for (const variant of variants) {
      const own = rounds.get(variant.id) ?? [];
      const logLinesPerRequest = variant.gateway ? (await countLines(variant.gateway.logFile)) / variant.sent : undefined;
      results.push({
        id: variant.id,
        label: variant.label,
        settings: variant.settings,
        rounds: own,
        summary: summarize(own),
        ...(variant.id === "direct" ? {} : { added: addedOver(own, direct) }),
        ...(logLinesPerRequest === undefined ? {} : { logLinesPerRequest }),
        failures: failuresOf(own),
      });
    }
    const on = results.find((v) => v.id === "on");
    const off = results.find((v) => v.id === "off");
    if (!on || !off) throw new Error("a Switchyard variant is missing");
    const cpuList = cpus();
    const result: OverheadResult = {
      benchmark: "overhead",
      command: ["node", "dist/bench/overhead.js", ...argv].join(" "),
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: {
        cpus: cpuList.length,
        cpuModel: cpuList[0]?.model ?? "unknown",
        memoryGb: Math.round(totalmem() / 2 ** 30),
        platform: `${platform()} ${release()}`,
        node: process.version,
        loadAverageAtStart,
      },
      options: { durationSec: args.durationSec, rounds: args.rounds, warmupSec: args.warmupSec, chunks: args.chunks, connections: 1 },
      variants: results,
      onOff: compareOnOff(on, off),
    };
    process.stdout.write(`\n${formatOverhead(result)}\n`);
    process.stdout.write(`\nmachine: ${result.machine.cpus} cores (${result.machine.cpuModel}), ${result.machine.node}, load average at start ${loadAverageAtStart.map((n) => n.toFixed(2)).join(" ")}\n`);
    if (args.out !== undefined) {
      await mkdir(dirname(args.out), { recursive: true });
      await writeFile(args.out, `${JSON.stringify(result, null, 2)}\n`);
      progress(`results written to ${args.out}`);
    }
    return results.some((v) => v.failures.length > 0) ? 1 : 0;
  } finally {
    await stopAll();
  }
}

/** The mock, then each gateway in front of it with an API key made through its admin API. */
async function startVariants(args: OverheadArgs, services: RunningService[]): Promise<Variant[]> {
  const mock = await startMock({ chunks: args.chunks });
  services.push(mock);
  const variants: Variant[] = [{ id: "direct", label: "direct (mock upstream)", settings: {}, target: chatTarget(mock.url, benchModel), sent: 0 }];
  // The bootstrap admin key lives only in this process and the gateways' environment.
  const adminKey = randomBytes(24).toString("base64url");
  for (const spec of gatewayVariants) {
    const gateway = await startSwitchyard(gatewayConfig({ upstreamUrl: mock.url, logLevel: spec.log, metrics: spec.metrics }), {
      name: spec.label,
      env: { [adminKeyVariable]: adminKey },
    });
    services.push(gateway);
    const key = await createApiKey(gateway.url, adminKey, { name: "bench" });
    variants.push({
      id: spec.id,
      label: spec.label,
      settings: { logLevel: spec.log, metrics: spec.metrics, auth: "keys", rateLimits: "on (high)", usageLedger: "on" },
      target: chatTarget(gateway.url, `${benchEngine}/${benchModel}`, key),
      gateway,
      sent: 0,
    });
  }
  return variants;
}

async function measureRounds(args: OverheadArgs, variants: readonly Variant[]): Promise<Map<VariantId, RoundResult[]>> {
  const rounds = new Map<VariantId, RoundResult[]>(variants.map((v) => [v.id, []]));
  for (let round = 0; round < args.rounds; round++) {
    // Rotating the order keeps any one variant from always running first (or just after a cold spell).
    const order = variants.map((_, i) => variants[(i + round) % variants.length] as Variant);
    const current = new Map<VariantId, { autocannon?: AutocannonStats; plain?: SequentialStats; stream?: SequentialStats }>();
    for (const kind of kinds) {
      for (const variant of order) {
        const entry = current.get(variant.id) ?? {};
        current.set(variant.id, entry);
        const tag = `[round ${round + 1}/${args.rounds}] ${kind.padEnd(10)} ${variant.label.padEnd(28)}`;
        if (kind === "autocannon") {
          const stats = await runAutocannon(variant.target, { connections: 1, durationSec: args.durationSec });
          variant.sent += stats.requests + stats.errors + stats.non2xx;
          entry.autocannon = stats;
          progress(`${tag} ${Math.round(stats.rps)} rps, p50 ${Math.round(stats.p50Us)} µs, p99 ${Math.round(stats.p99Us)} µs`);
        } else {
          const stats = await measureSequential(variant.target, { stream: kind === "stream", durationMs: args.durationSec * 1000 });
          variant.sent += stats.count + stats.errors;
          if (kind === "plain") entry.plain = stats;
          else entry.stream = stats;
          const first = kind === "stream" ? `, TTFB p50 ${Math.round(stats.firstByte.p50Us)} µs` : "";
          progress(`${tag} ${stats.count} requests, p50 ${Math.round(stats.total.p50Us)} µs, p99 ${Math.round(stats.total.p99Us)} µs${first}`);
        }
      }
    }
    for (const [id, entry] of current) {
      if (entry.autocannon && entry.plain && entry.stream) rounds.get(id)?.push({ autocannon: entry.autocannon, plain: entry.plain, stream: entry.stream });
    }
  }
  return rounds;
}

async function countLines(path: string): Promise<number> {
  const text = await readFile(path, "utf8").catch(() => "");
  let lines = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines++;
  return lines;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`overhead benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
