/**
 * The required load profiles (steady, ramp, spike, soak, stress) against Switchyard with production settings in
 * front of the mock upstream, with an open-loop rate; each checked against p95 < 200 ms for non-LLM API calls,
 * TTFT p95 < 3 s and an error rate < 0.1 %, printed as pass or fail; an SVG chart of latency against load.
 * See bench/README.md.
 */
import { benchUsage, parseBenchArgs, type NumberFlag, type StringFlag } from "./benchArgs.js";
import { checkChatTarget } from "./checkChatTarget.js";
import { loadEngineSizing } from "./gatewayConfig.js";
import { latencyChart } from "./latencyChart.js";
import { rateProfiles, stressPlan, type ProfileName } from "./loadProfiles.js";
import { formatLoad } from "./loadReport.js";
import { runLoadProfile, type LoadRunResult } from "./runLoadProfile.js";
import { runMain, runScenario } from "./runScenario.js";
import { startBenchGateway } from "./startBenchGateway.js";
import { startMock } from "./startMock.js";
import { stressSearch, type StressResult } from "./stressSearch.js";

const numbers = {
  duration: { default: 0, min: 0, help: "seconds per profile (and per stress step); 0: the full durations" },
  "rate-scale": { default: 1, min: 0.001, help: "multiplies every rate (a light smoke run: 0.05)" },
  "max-rate": { default: 8000, min: 1, help: "highest stress rate tried, before scaling" },
  "api-share": { default: 0.2, min: 0, help: "share of non-LLM calls (GET /v1/models)" },
  "stream-share": { default: 0.4, min: 0, help: "share of streamed chat completions (the rest are non-streaming)" },
  "max-in-flight": { default: 10000, min: 1, integer: true, help: "outstanding requests past which a scheduled one fails unsent" },
  connections: { default: 1024, min: 1, integer: true, help: "client connections to the gateway" },
  "timeout-ms": { default: 30000, min: 1, integer: true, help: "per-request timeout" },
  "mock-latency-ms": { default: 0, min: 0, help: "mock upstream delay before a non-streaming answer" },
  "mock-ttft-ms": { default: 0, min: 0, help: "mock upstream delay before the first streamed token" },
  "mock-chunk-interval-ms": { default: 0, min: 0, help: "mock upstream delay between streamed chunks" },
  "mock-fault-rate": { default: 0, min: 0, help: "fraction of mock upstream answers that are 500s" },
} satisfies Record<string, NumberFlag>;
const strings = {
  profile: { default: "all", help: "which profile", choices: ["all", "steady", "ramp", "spike", "soak", "stress"] },
} satisfies Record<string, StringFlag>;

const about = `Full durations: steady 10 min, ramp 5 min, spike 3 min, soak 60 min, stress 30 s per step (all: about 80 min plus stress).
--duration shortens every profile keeping its shape. Exit code 1 when a profile (other than stress) fails a threshold.`;

runMain("load benchmark", async () => {
  const argv = process.argv.slice(2);
  const args = parseBenchArgs(argv, numbers, strings);
  if (args.help) {
    process.stdout.write(`${benchUsage("node dist/bench/load.js [flags]", about, numbers, strings)}\n`);
    return 0;
  }
  const n = args.numbers;
  const apiShare = n["api-share"];
  const streamShare = n["stream-share"];
  if (apiShare + streamShare > 1) throw new Error("--api-share plus --stream-share must be at most 1");
  const selected: ProfileName[] = args.strings.profile === "all" ? ["steady", "ramp", "spike", "stress", "soak"] : [args.strings.profile as ProfileName];
  const command = ["node", "dist/bench/load.js", ...argv].join(" ");
  return runScenario({ name: "load", command, outDir: args.outDir }, async ({ services, progress }) => {
    const mock = await startMock({
      latencyMs: n["mock-latency-ms"],
      ttftMs: n["mock-ttft-ms"],
      chunkIntervalMs: n["mock-chunk-interval-ms"],
      faultRate: n["mock-fault-rate"],
    });
    services.push(mock);
    const { gateway, target, settings } = await startBenchGateway(mock.url, { engine: loadEngineSizing });
    services.push(gateway);
    await checkChatTarget("switchyard", target);
    const common = {
      mix: { api: apiShare, chat: 1 - apiShare - streamShare, stream: streamShare },
      pid: gateway.pid,
      maxInFlight: n["max-in-flight"],
      connections: n.connections,
      timeoutMs: n["timeout-ms"],
    };
    const scale = n["rate-scale"];
    const runs: LoadRunResult[] = [];
    let stress: StressResult | undefined;
    for (const name of selected) {
      if (name === "stress") {
        const stepSec = n.duration > 0 ? n.duration : stressPlan.stepSec;
        progress(`stress: ${stressPlan.about} (${stepSec} s steps)`);
        const rates = stressPlan.rates.filter((r) => r <= n["max-rate"]).map((r) => Math.max(1, Math.round(r * scale)));
        stress = await stressSearch(target, { ...common, windowSec: Math.max(1, Math.round(stepSec / 10)), stepSec, rates, progress });
        continue;
      }
      const profile = rateProfiles[name];
      const durationSec = n.duration > 0 ? n.duration : profile.durationSec;
      progress(`${name}: ${profile.about} (${durationSec} s${scale === 1 ? "" : `, rates × ${scale}`})`);
      const run = await runLoadProfile(target, {
        ...common,
        name,
        about: profile.about + (scale === 1 ? "" : ` × ${scale}`),
        durationSec,
        windowSec: profile.windowSec(durationSec),
        rate: (t) => scale * profile.rate(t, durationSec),
      });
      progress(`  ${run.pass ? "pass" : "FAIL"}: ${run.stats.count} requests, ${run.stats.failed} failed`);
      runs.push(run);
    }
    const points = [...runs, ...(stress?.steps ?? [])].flatMap((run) => run.windows.map((w) => ({ rps: w.okRps, p50Ms: w.p50Ms, p95Ms: w.p95Ms })));
    const chart = latencyChart("Switchyard: latency against load (all request kinds, per window)", points);
    return {
      result: { options: { ...n, profile: args.strings.profile }, gateway: settings, thresholds: { apiP95Ms: 200, ttftP95Ms: 3000, errorRatePercent: 0.1 }, profiles: runs, ...(stress ? { stress } : {}) },
      text: formatLoad(runs, stress, false),
      markdown: formatLoad(runs, stress, true),
      failed: runs.some((run) => !run.pass),
      files: { "latency.svg": chart },
    };
  });
});
