/**
 * A smoke run of the benchmark harness: every scenario runner, started as a user would start it, at a low load
 * for about a second, must finish and leave well-formed results (JSON with the machine, the command and the
 * scenario's figures, a markdown report, the load chart). It asserts nothing about speed: figures measured
 * here, beside the rest of the test suite, are noise. The peer comparison is left out: it installs a package
 * from the registry, which a test run must not depend on.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

const benchDir = fileURLToPath(new URL("../../bench/", import.meta.url));

interface BenchRun {
  code: number | null;
  stdout: string;
  stderr: string;
  result: Record<string, unknown>;
  files: string[];
}

let outRoot: string;
const runs = new Map<string, Promise<BenchRun>>();

async function runBench(script: string, args: readonly string[]): Promise<BenchRun> {
  const outDir = join(outRoot, script);
  // overhead.js predates --out-dir and takes --out FILE instead.
  const outArgs = script === "overhead" ? ["--out", join(outDir, "overhead.json")] : ["--out-dir", outDir];
  const child = spawn(process.execPath, [join(benchDir, `${script}.js`), ...args, ...outArgs], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const [code] = (await once(child, "close")) as [number | null];
  const files = await readdir(outDir).catch(() => [] as string[]);
  const json = files.find((name) => name.endsWith(".json"));
  // The runner's own failure line, not the gateway log that may follow it.
  const failure = stderr.split("\n").filter((line) => !line.startsWith("{")).join("\n");
  assert.ok(json, `${script} wrote no JSON result (exit ${code}):\n${failure.slice(-3000)}`);
  const result = JSON.parse(await readFile(join(outDir, json), "utf8")) as Record<string, unknown>;
  return { code, stdout, stderr, result, files: await Promise.all(files.map((name) => readFile(join(outDir, name), "utf8"))) };
}

// Each scenario's arguments: about a second of low load. Two lanes run side by side, each scenario in a lane
// after the previous one: all at once would overload two cores and only measure that.
const lanes: readonly (readonly string[])[] = [
  ["throughput", "load", "streams"],
  ["overhead", "cacheHit", "localEngine"],
];
const scenarios: Record<string, readonly string[]> = {
  overhead: ["--duration", "1", "--rounds", "1", "--warmup", "0"],
  throughput: ["--duration", "0.3", "--rounds", "1"],
  load: ["--duration", "0.5", "--rate-scale", "0.05", "--max-rate", "200"],
  streams: ["--streams", "20", "--hold", "1", "--open-rate", "200", "--slow", "3", "--slow-seconds", "1", "--slow-chunks", "2000"],
  cacheHit: ["--duration", "0.5", "--rounds", "1", "--connections", "4"],
  localEngine: ["--duration", "0.5", "--rounds", "1", "--max-tokens", "16"],
};

before(async () => {
  outRoot = await mkdtemp(join(tmpdir(), "switchyard-bench-smoke-"));
  for (const lane of lanes) {
    let previous: Promise<unknown> = Promise.resolve();
    for (const script of lane) {
      const run = previous.then(() => runBench(script, scenarios[script] ?? []));
      run.catch(() => undefined);
      runs.set(script, run);
      previous = run.catch(() => undefined);
    }
  }
});

after(async () => {
  await Promise.allSettled(runs.values());
  await rm(outRoot, { recursive: true, force: true });
});

const run = (script: string) => runs.get(script) ?? Promise.reject(new Error(`${script} not started`));
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function assertCommon(result: Record<string, unknown>, scenario: string): void {
  assert.equal(result.scenario, scenario);
  assert.match(String(result.command), new RegExp(`^node dist/bench/\\w+\\.js`));
  assert.ok(isObject(result.machine) && typeof result.machine.cpus === "number" && typeof result.machine.node === "string", "the machine is described");
  assert.equal(typeof result.failed, "boolean");
  assert.ok(Date.parse(String(result.startedAt)) <= Date.parse(String(result.finishedAt)));
}

/** Successful requests of one variant over every case of a throughput-shaped result. */
function okRequests(cases: unknown, variant: string): number {
  assert.ok(Array.isArray(cases));
  return cases.reduce((sum: number, c: unknown) => {
    assert.ok(isObject(c) && isObject(c.rounds) && isObject(c.summary));
    const rounds = c.rounds[variant];
    assert.ok(Array.isArray(rounds), `rounds for ${variant}`);
    assert.ok(isObject(c.summary[variant]), `a summary for ${variant}`);
    return sum + rounds.reduce((s: number, r: unknown) => s + (isObject(r) && typeof r.requests === "number" ? r.requests : 0), 0);
  }, 0);
}

test("throughput: direct, pass-through and Switchyard each carried traffic in every case, with ratios", async () => {
  const { result, files, stdout } = await run("throughput");
  assertCommon(result, "throughput");
  assert.equal((result.throughput as unknown[]).length, 3, "plain at 50 and 200 connections, streamed at 50");
  for (const variant of ["direct", "pass-through", "switchyard"]) assert.ok(okRequests(result.throughput, variant) > 0, `${variant} answered`);
  assert.match(stdout, /× pass-through/);
  assert.ok(files.some((text) => text.startsWith("# throughput") && text.includes("| case | variant |")), "a markdown report");
});

test("load: every profile ran open-loop with threshold checks, RSS and a latency chart", async () => {
  const { result, files, stdout } = await run("load");
  assertCommon(result, "load");
  const profiles = result.profiles as Record<string, unknown>[];
  assert.deepEqual(profiles.map((p) => p.name), ["steady", "ramp", "spike", "soak"]);
  for (const profile of profiles) {
    assert.ok(isObject(profile.stats) && typeof profile.stats.count === "number" && profile.stats.count > 0, `${String(profile.name)} sent requests`);
    const checks = (profile.checks as Record<string, unknown>[]).map((c) => String(c.name));
    assert.deepEqual(checks.slice(0, 3), ["non-LLM API p95", "TTFT p95 (streams)", "error rate"]);
    // Only the soak is held to a memory target: growth from the low after its warm-up.
    if (profile.name === "soak") assert.match(checks[3] ?? "", /^RSS growth from the low after [\d.]+ s warm-up$/);
    assert.equal(checks.length, profile.name === "soak" ? 4 : 3);
    assert.ok(isObject(profile.rssGrowth) && typeof profile.rssGrowth.percent === "number", `${String(profile.name)} reports RSS growth`);
    assert.ok((profile.windows as unknown[]).length > 0);
  }
  assert.ok(isObject(result.stress) && Array.isArray(result.stress.steps) && result.stress.steps.length > 0, "stress stepped");
  assert.match(stdout, /(PASS|FAIL) non-LLM API p95/);
  assert.ok(files.some((text) => text.startsWith("<svg") && text.includes("latency (ms)") && text.includes("</svg>")), "an SVG chart");
});

test("streams: long streams completed through the gateway and slow readers were measured", async () => {
  const { result } = await run("streams");
  assertCommon(result, "streams");
  assert.ok(isObject(result.held) && isObject(result.slow));
  assert.equal(result.held.streams, 20);
  assert.ok(typeof result.held.completed === "number" && result.held.completed > 0, "long streams completed");
  assert.ok(Array.isArray(result.held.rssSamples) && result.held.rssSamples.length > 0, "the gateway's RSS was sampled");
  assert.equal(result.slow.readers, 3);
  assert.ok(typeof result.slow.started === "number" && result.slow.started > 0, "slow readers got answers");
  assert.equal(typeof result.slow.bounded, "boolean");
});

test("cache hit: measured against a hello-world, with no measured request reaching the upstream", async () => {
  const { result } = await run("cacheHit");
  assertCommon(result, "cache-hit");
  assert.equal(result.upstreamRequests, 1, "only the priming request reached the upstream");
  assert.ok(okRequests(result.throughput, "switchyard") > 0 && okRequests(result.throughput, "direct") > 0);
});

test("local engine: tokens per second through Switchyard and from node-llama-cpp alone", async () => {
  const { result } = await run("localEngine");
  assertCommon(result, "local-engine");
  assert.ok(isObject(result.tokensPerSecond));
  assert.ok(Number(result.tokensPerSecond.alone) > 0 && Number(result.tokensPerSecond.switchyard) > 0);
});

test("overhead: the existing concurrency-1 benchmark still runs and writes its JSON", async () => {
  const { result, code } = await run("overhead");
  // overhead.js writes with --out (not runScenario), so only its own document shape applies.
  assert.equal(result.benchmark, "overhead");
  assert.equal((result.variants as unknown[]).length, 3);
  assert.ok(code === 0 || code === 1);
});
