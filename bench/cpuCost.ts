/**
 * CPU per request (`npm run bench:cpu`): the gateway's own CPU time (user + system, every thread, from /proc) per
 * answered request under autocannon, for the bare pass-through and Switchyard with production settings, plain,
 * streamed and (against a Fastify hello-world) as a cache hit. On a shared 2-core machine requests per second
 * move with whatever else runs; CPU per request barely does, so this is the figure to compare a change with.
 * `--profile` also writes a CPU profile of each Switchyard run's measured window and prints its summary.
 */
import { readdir } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { benchUsage, parseBenchArgs, type NumberFlag, type StringFlag } from "./benchArgs.js";
import { chatTarget, type ChatTarget } from "./chatTarget.js";
import { checkChatTarget } from "./checkChatTarget.js";
import { benchModel, loadEngineSizing } from "./gatewayConfig.js";
import { formatTable } from "./formatTable.js";
import { markdownTable } from "./markdownTable.js";
import { median } from "./percentiles.js";
import { processCpuSeconds } from "./processCpu.js";
import { runAutocannon } from "./runAutocannon.js";
import { runMain, runScenario } from "./runScenario.js";
import { startBenchGateway } from "./startBenchGateway.js";
import { startListening } from "./startListening.js";
import { startMock } from "./startMock.js";
import { profileTable, summarizeProfile, type ProfileSummary } from "./summarizeProfile.js";

const flags = {
  duration: { default: 8, min: 0.5, help: "seconds per measurement" },
  rounds: { default: 3, min: 1, integer: true, help: "rounds; figures are medians over rounds" },
  connections: { default: 50, min: 1, integer: true, help: "autocannon connections" },
  warmup: { default: 3, min: 0, help: "seconds of untimed load per variant and case before the first round" },
} satisfies Record<string, NumberFlag>;

const strings = {
  cases: { default: "plain,stream,cache", help: "comma-separated cases: plain, stream, cache" },
  profile: { default: "", help: "profile the Switchyard variants' measured windows: write .cpuprofile files to this directory and summarize them" },
  compare: { default: "", help: "another checkout (built) whose Switchyard runs beside this one, for a before/after in one run" },
  streaming: { default: "client,always", help: "the upstreamStreaming settings to run Switchyard with" },
} satisfies Record<string, StringFlag>;

const about = "Takes about rounds × (variants per case) × duration seconds, plus warm-up.";
const preload = fileURLToPath(new URL("./cpuProfilerPreload.js", import.meta.url));

interface Variant {
  id: string;
  label: string;
  target: ChatTarget;
  pid: number;
  profiled: boolean;
}

interface Measurement {
  rps: number;
  cpuUsPerRequest: number;
  /** Cores the process kept busy on average. */
  cores: number;
  failed: number;
}

runMain("cpu cost", async () => {
  const argv = process.argv.slice(2);
  const args = parseBenchArgs(argv, flags, strings);
  if (args.help) {
    process.stdout.write(`${benchUsage("node dist/bench/cpuCost.js [flags]", about, flags, strings)}\n`);
    return 0;
  }
  const n = args.numbers;
  const cases = args.strings.cases.split(",").map((c) => c.trim()).filter(Boolean);
  const profileDir = args.strings.profile === "" ? undefined : args.strings.profile;
  const command = ["node", "dist/bench/cpuCost.js", ...argv].join(" ");
  return runScenario({ name: "cpu-cost", command, outDir: args.outDir }, async ({ services, progress }) => {
    const mock = await startMock({ chunks: 16 });
    services.push(mock);
    const profileEnv = profileDir ? { nodeOptions: `--import=${preload}` } : {};
    // Children inherit the runner's environment: the preload reads where to write from it.
    if (profileDir) process.env.BENCH_PROFILE_DIR = profileDir;
    const plainVariants: Variant[] = [];
    const compared = args.strings.compare === "" ? undefined : resolve(args.strings.compare, "dist/src/cli.js");
    const builds = [
      { suffix: "", label: "", options: {} },
      ...(compared ? [{ suffix: "-compared", label: ` [${basename(resolve(args.strings.compare))}]`, options: { cliPath: compared } }] : []),
    ];
    const cacheVariants: Variant[] = [];
    if (cases.includes("plain") || cases.includes("stream")) {
      const proxy = await startListening("pass-through", "passThroughProxy", ["--upstream", mock.url]);
      services.push(proxy);
      plainVariants.push({ id: "pass-through", label: "pass-through (Fastify+undici)", target: chatTarget(proxy.url, benchModel), pid: proxy.pid ?? 0, profiled: false });
      for (const build of builds) {
        for (const upstreamStreaming of args.strings.streaming.split(",").map((s) => s.trim()).filter(Boolean)) {
          const id = `switchyard${build.suffix}-${upstreamStreaming}`;
          const stack = await startBenchGateway(mock.url, { name: id, engine: { ...loadEngineSizing, upstreamStreaming }, ...profileEnv, ...build.options });
          services.push(stack.gateway);
          plainVariants.push({ id, label: `switchyard${build.label} (upstreamStreaming: ${upstreamStreaming})`, target: stack.target, pid: stack.gateway.pid ?? 0, profiled: profileDir !== undefined });
        }
      }
    }
    if (cases.includes("cache")) {
      const hello = await startListening("hello world", "helloWorld");
      services.push(hello);
      cacheVariants.push({ id: "hello-world", label: "fastify hello-world", target: chatTarget(hello.url, "hello"), pid: hello.pid ?? 0, profiled: false });
      for (const build of builds) {
        const stack = await startBenchGateway(mock.url, { name: `switchyard${build.suffix}-cache`, extra: { cache: { enabled: true, ttlSeconds: 3600 } }, ...profileEnv, ...build.options });
        services.push(stack.gateway);
        const body = { ...(JSON.parse(stack.target.plainBody) as Record<string, unknown>), temperature: 0 };
        const cached = { ...stack.target, plainBody: JSON.stringify(body) };
        for (const expected of ["miss", "hit"]) {
          const response = await request(`${cached.origin}${cached.path}`, { method: "POST", headers: cached.headers, body: cached.plainBody });
          await response.body.text();
          if (response.headers["x-switchyard-cache"] !== expected) throw new Error(`cache ${expected} expected, got ${String(response.headers["x-switchyard-cache"])}`);
        }
        cacheVariants.push({ id: `switchyard${build.suffix}-cache-hit`, label: `switchyard${build.label} cache hit`, target: cached, pid: stack.gateway.pid ?? 0, profiled: profileDir !== undefined });
      }
    }
    for (const variant of plainVariants) await checkChatTarget(variant.label, variant.target);

    const plan: Array<{ caseId: string; stream: boolean; variants: Variant[] }> = [];
    if (cases.includes("plain")) plan.push({ caseId: `plain-${n.connections}`, stream: false, variants: plainVariants });
    if (cases.includes("stream")) plan.push({ caseId: `stream-${n.connections}`, stream: true, variants: plainVariants });
    if (cases.includes("cache")) plan.push({ caseId: `cache-${n.connections}`, stream: false, variants: cacheVariants });

    if (n.warmup > 0) {
      for (const step of plan) for (const variant of step.variants) await runAutocannon(variant.target, { connections: n.connections, durationSec: n.warmup, stream: step.stream });
    }
    const figures: Record<string, Record<string, Measurement[]>> = {};
    const profiles: Record<string, string[]> = {};
    for (let round = 0; round < n.rounds; round++) {
      for (const step of plan) {
        const order = step.variants.map((_, i) => step.variants[(i + round) % step.variants.length] as Variant);
        for (const variant of order) {
          const profiling = variant.profiled && round === n.rounds - 1;
          if (profiling) process.kill(variant.pid, "SIGUSR2");
          const before = processCpuSeconds(variant.pid);
          const stats = await runAutocannon(variant.target, { connections: n.connections, durationSec: n.duration, stream: step.stream });
          const used = processCpuSeconds(variant.pid) - before;
          if (profiling) {
            process.kill(variant.pid, "SIGUSR2");
            (profiles[step.caseId] ??= []).push(variant.id);
          }
          const failed = stats.errors + stats.timeouts + stats.non2xx;
          const measurement = { rps: stats.okPerSecond, cpuUsPerRequest: stats.requests > 0 ? (used * 1e6) / stats.requests : Number.NaN, cores: used / n.duration, failed };
          ((figures[step.caseId] ??= {})[variant.id] ??= []).push(measurement);
          progress(`[round ${round + 1}/${n.rounds}] ${step.caseId.padEnd(9)} ${variant.label.padEnd(36)} ${Math.round(measurement.rps)} rps, ${measurement.cpuUsPerRequest.toFixed(0)} µs CPU/request, ${measurement.cores.toFixed(2)} cores${failed ? `, ${failed} failed` : ""}`);
        }
      }
    }

    const header = ["case", "variant", "rps", "CPU µs / request", "× reference CPU", "cores busy", "failed"];
    const rows: string[][] = [];
    const summary: Record<string, Record<string, { rps: number; cpuUsPerRequest: number; ofReference: number; failed: number }>> = {};
    for (const step of plan) {
      const reference = step.variants[0] as Variant;
      const referenceRounds = figures[step.caseId]?.[reference.id] ?? [];
      for (const variant of step.variants) {
        const own = figures[step.caseId]?.[variant.id] ?? [];
        const ofReference = median(own.map((m, i) => m.cpuUsPerRequest / (referenceRounds[i]?.cpuUsPerRequest ?? Number.NaN)));
        const entry = { rps: median(own.map((m) => m.rps)), cpuUsPerRequest: median(own.map((m) => m.cpuUsPerRequest)), ofReference, failed: own.reduce((s, m) => s + m.failed, 0) };
        (summary[step.caseId] ??= {})[variant.id] = entry;
        rows.push([step.caseId, variant.label, Math.round(entry.rps).toLocaleString("en"), entry.cpuUsPerRequest.toFixed(0), variant === reference ? "-" : `${entry.ofReference.toFixed(2)}×`, median(own.map((m) => m.cores)).toFixed(2), String(entry.failed)]);
      }
    }
    const profileSummaries: Record<string, ProfileSummary> = {};
    const profileTexts: string[] = [];
    const profileMarkdown: string[] = [];
    if (profileDir) {
      // The preload writes files named <pid>-<n>; the last one of each pid is its last round's window, per case in order.
      // A process writes its last profile after the runner's signal, while the runner has moved on: wait for it.
      const expected = Object.values(profiles).reduce((sum, ids) => sum + ids.length, 0);
      for (let waited = 0; waited < 60_000; waited += 200) {
        if ((await readdir(profileDir)).filter((f) => f.endsWith(".cpuprofile")).length >= expected) break;
        await sleep(200);
      }
      const files = (await readdir(profileDir)).filter((f) => f.endsWith(".cpuprofile")).sort((a, b) => Number(a.split("-")[1]?.split(".")[0]) - Number(b.split("-")[1]?.split(".")[0]));
      for (const variant of [...plainVariants, ...cacheVariants].filter((v) => v.profiled)) {
        const own = files.filter((f) => f.startsWith(`${variant.pid}-`));
        const caseIds = plan.filter((p) => p.variants.includes(variant)).map((p) => p.caseId);
        own.forEach((file, i) => {
          const caseId = caseIds[i] ?? `window-${i + 1}`;
          const profileSummary = summarizeProfile(join(profileDir, file));
          profileSummaries[`${caseId} ${variant.id}`] = profileSummary;
          profileTexts.push(`profile: ${caseId}, ${variant.label} (${join(profileDir, file)})\n${profileTable(profileSummary, false)}`);
          profileMarkdown.push(`### Profile: ${caseId}, ${variant.label}\n\n${profileTable(profileSummary, true)}`);
        });
      }
    }
    const preface = `${n.rounds} rounds × ${n.duration} s at ${n.connections} connections; CPU is the process's user + system time over the run (every thread) divided by the requests it answered; "× reference" is against the first variant of the case (the pass-through, or the hello-world for cache hits), per round, then the median`;
    return {
      result: { options: n, cases, summary, rounds: figures, profiles: profileSummaries },
      text: [preface, "", formatTable(header, rows, 2), ...profileTexts.map((t) => `\n${t}`)].join("\n"),
      markdown: [`${preface}.`, "", markdownTable(header, rows, 2), ...profileMarkdown.map((t) => `\n${t}`)].join("\n"),
      failed: Object.values(summary).some((c) => Object.values(c).some((v) => v.failed > 0)),
    };
  });
});
