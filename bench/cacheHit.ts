/**
 * The cache-hit path: Switchyard (production settings, response cache on) answering a cached deterministic
 * request, against a bare Fastify hello-world, alternating in one run under autocannon. The mock upstream's
 * request count proves every measured request was a hit (it must not grow after the priming request).
 */
import { request } from "undici";
import { benchUsage, parseBenchArgs, type NumberFlag } from "./benchArgs.js";
import { chatTarget, type ChatTarget } from "./chatTarget.js";
import { renderTables, throughputTable } from "./comparisonReport.js";
import { runMain, runScenario } from "./runScenario.js";
import { startBenchGateway } from "./startBenchGateway.js";
import { startListening } from "./startListening.js";
import { startMock } from "./startMock.js";
import { throughputRounds, type ThroughputCase } from "./throughputRounds.js";
import type { BenchVariant } from "./benchVariant.js";

const flags = {
  duration: { default: 10, min: 0.1, help: "seconds per measurement" },
  rounds: { default: 3, min: 1, integer: true, help: "rounds; figures are medians over rounds" },
  connections: { default: 50, min: 1, integer: true, help: "autocannon connections" },
} satisfies Record<string, NumberFlag>;

const about = "Takes about 2 variants × rounds × duration seconds.";

/** The same target with temperature 0, which the cache's deterministic mode stores. */
function deterministic(target: ChatTarget): ChatTarget {
  const body = { ...(JSON.parse(target.plainBody) as Record<string, unknown>), temperature: 0 };
  return { ...target, plainBody: JSON.stringify(body), streamBody: JSON.stringify({ ...body, stream: true }) };
}

async function expectHit(target: ChatTarget, expected: "hit" | "miss"): Promise<void> {
  const response = await request(`${target.origin}${target.path}`, { method: "POST", headers: target.headers, body: target.plainBody });
  const text = await response.body.text();
  const header = response.headers["x-switchyard-cache"];
  if (response.statusCode !== 200 || header !== expected) throw new Error(`cache ${expected} expected, got status ${response.statusCode}, x-switchyard-cache ${String(header)}: ${text.slice(0, 300)}`);
}

runMain("cache-hit benchmark", async () => {
  const argv = process.argv.slice(2);
  const args = parseBenchArgs(argv, flags);
  if (args.help) {
    process.stdout.write(`${benchUsage("node dist/bench/cacheHit.js [flags]", about, flags)}\n`);
    return 0;
  }
  const n = args.numbers;
  const command = ["node", "dist/bench/cacheHit.js", ...argv].join(" ");
  return runScenario({ name: "cache-hit", command, outDir: args.outDir }, async ({ services, progress }) => {
    const mock = await startMock();
    services.push(mock);
    const hello = await startListening("hello world", "helloWorld");
    services.push(hello);
    const { target, settings } = await startBenchGateway(mock.url, { extra: { cache: { enabled: true, ttlSeconds: 3600 } } }).then((stack) => {
      services.push(stack.gateway);
      return stack;
    });
    const cached = deterministic(target);
    await expectHit(cached, "miss");
    await expectHit(cached, "hit");
    const variants: BenchVariant[] = [
      // The throughput table's ratios are against "direct": here the hello-world is the floor to compare with.
      { id: "direct", label: "fastify hello-world", target: chatTarget(hello.url, "hello"), settings: { features: "none" } },
      { id: "switchyard", label: "switchyard cache hit", target: cached, settings },
    ];
    const cases: ThroughputCase[] = [{ id: `plain-${n.connections}`, stream: false, connections: n.connections }];
    const results = await throughputRounds(variants, { durationSec: n.duration, rounds: n.rounds, cases, progress });
    await mock.stop();
    const upstreamRequests = typeof mock.stopped?.requests === "number" ? mock.stopped.requests : Number.NaN;
    // One request primed the cache; any more reached the upstream, so something measured was not a hit.
    const allHits = upstreamRequests === 1;
    const tables = [throughputTable(variants, results)];
    const preface = `${n.rounds} rounds × ${n.duration} s at ${n.connections} connections; "× direct" is Switchyard's cache hit over the hello-world; upstream requests during the run: ${upstreamRequests} (1 = the priming miss, every measured request a hit)`;
    return {
      result: { options: n, variants: variants.map(({ id, label, settings: s }) => ({ id, label, settings: s })), throughput: results, upstreamRequests, allHits },
      text: `${preface}\n\n${renderTables(tables, false)}`,
      markdown: `${preface}.\n\n${renderTables(tables, true)}`,
      failed: !allHits || results.some((c) => Object.values(c.summary).some((f) => f.failed > 0)),
    };
  });
});
