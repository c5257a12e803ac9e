/**
 * The local engine: tokens per second through Switchyard (production settings, a `local` engine on the GGUF
 * model, streamed requests one at a time) against node-llama-cpp alone on the same model and settings, in
 * alternating rounds. Tokens are the completion_tokens the gateway reports in the usage chunk.
 */
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { Client } from "undici";
import { benchUsage, parseBenchArgs, type NumberFlag, type StringFlag } from "./benchArgs.js";
import { chatTarget, type ChatTarget } from "./chatTarget.js";
import { createApiKey } from "./createApiKey.js";
import { formatTable } from "./formatTable.js";
import { adminKeyVariable, gatewayConfig } from "./gatewayConfig.js";
import { markdownTable } from "./markdownTable.js";
import { median } from "./percentiles.js";
import { runMain, runScenario } from "./runScenario.js";
import { startProcess } from "./startProcess.js";
import { startSwitchyard } from "./startSwitchyard.js";

// The tiny model in test/fixtures (resolved from dist/bench, the .gguf is not copied into dist); --model overrides it.
const defaultModel = fileURLToPath(new URL("../../test/fixtures/stories260K.gguf", import.meta.url));

const numbers = {
  duration: { default: 10, min: 0.1, help: "seconds of generation per variant per round" },
  rounds: { default: 3, min: 1, integer: true, help: "rounds; figures are medians over rounds" },
  "max-tokens": { default: 128, min: 1, integer: true, help: "tokens asked for in each generation" },
  threads: { default: 1, min: 0, integer: true, help: "CPU threads, the same for both" },
} satisfies Record<string, NumberFlag>;
const strings = { model: { default: defaultModel, help: "GGUF model file" } } satisfies Record<string, StringFlag>;

interface TokenRun {
  tokens: number;
  generations: number;
  seconds: number;
  tokensPerSecond: number;
}

/** Streamed requests one at a time for durationMs; time is counted per request, as the alone loop counts it. */
async function throughSwitchyard(target: ChatTarget, maxTokens: number, durationMs: number): Promise<TokenRun> {
  const client = new Client(target.origin);
  const body = (seed: number) => JSON.stringify({ ...(JSON.parse(target.streamBody) as Record<string, unknown>), max_tokens: maxTokens, seed, stream_options: { include_usage: true } });
  let tokens = 0;
  let generations = 0;
  let seconds = 0;
  const deadline = performance.now() + durationMs;
  try {
    while (performance.now() < deadline) {
      const started = performance.now();
      const response = await client.request({ method: "POST", path: target.path, headers: target.headers, body: body(generations) });
      const text = await response.body.text();
      seconds += (performance.now() - started) / 1000;
      const usage = /"completion_tokens":(\d+)/.exec(text);
      if (response.statusCode !== 200 || !usage || !text.includes("[DONE]")) throw new Error(`a local generation answered ${response.statusCode}: ${text.slice(0, 300)}`);
      tokens += Number(usage[1]);
      generations++;
    }
  } finally {
    await client.close();
  }
  return { tokens, generations, seconds, tokensPerSecond: tokens / seconds };
}

/** The engine answers 503 engine_unavailable while its model loads; one unmeasured generation once it has. */
async function waitForModel(target: ChatTarget, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await throughSwitchyard(target, 8, 1);
      return;
    } catch (error) {
      if (Date.now() > deadline || !(error instanceof Error) || !error.message.includes("engine_unavailable")) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function alone(model: string, maxTokens: number, durationSec: number, threads: number): Promise<TokenRun> {
  const script = fileURLToPath(new URL("./llamaAlone.js", import.meta.url));
  const proc = startProcess({ name: "node-llama-cpp alone", args: [script, "--model", model, "--max-tokens", String(maxTokens), "--duration", String(durationSec), "--threads", String(threads)] });
  return proc.waitForLine((entry) => (entry.msg === "llama alone done" ? (entry as unknown as TokenRun) : undefined), (durationSec + 120) * 1000);
}

runMain("local engine benchmark", async () => {
  const argv = process.argv.slice(2);
  const args = parseBenchArgs(argv, numbers, strings);
  if (args.help) {
    process.stdout.write(`${benchUsage("node dist/bench/localEngine.js [flags]", "Takes about 2 × rounds × duration seconds plus model loads.", numbers, strings)}\n`);
    return 0;
  }
  const n = args.numbers;
  const command = ["node", "dist/bench/localEngine.js", ...argv].join(" ");
  return runScenario({ name: "local-engine", command, outDir: args.outDir }, async ({ services, progress }) => {
    const adminKey = randomBytes(24).toString("base64url");
    const base = gatewayConfig({ upstreamUrl: "http://127.0.0.1:9", logLevel: "info", metrics: true });
    const engine = { name: "local", type: "local", model: args.strings.model, modelName: "bench", threads: n.threads, maxConcurrency: 1, maxTokens: n["max-tokens"] };
    const gateway = await startSwitchyard({ ...base, engines: [engine] }, { name: "switchyard (local engine)", env: { [adminKeyVariable]: adminKey } });
    services.push(gateway);
    const target = chatTarget(gateway.url, "local/bench", await createApiKey(gateway.url, adminKey, { name: "bench" }));
    await waitForModel(target);
    const runs: { alone: TokenRun[]; switchyard: TokenRun[] } = { alone: [], switchyard: [] };
    for (let round = 0; round < n.rounds; round++) {
      const order = round % 2 === 0 ? (["alone", "switchyard"] as const) : (["switchyard", "alone"] as const);
      for (const variant of order) {
        const run = variant === "alone" ? await alone(args.strings.model, n["max-tokens"], n.duration, n.threads) : await throughSwitchyard(target, n["max-tokens"], n.duration * 1000);
        runs[variant].push(run);
        progress(`[round ${round + 1}/${n.rounds}] ${variant.padEnd(10)} ${run.tokensPerSecond.toFixed(1)} tokens/s (${run.generations} generations)`);
      }
    }
    const aloneTps = median(runs.alone.map((r) => r.tokensPerSecond));
    const switchyardTps = median(runs.switchyard.map((r) => r.tokensPerSecond));
    const ratio = median(runs.switchyard.map((r, i) => r.tokensPerSecond / (runs.alone[i]?.tokensPerSecond ?? Number.NaN)));
    const header = ["variant", "tokens/s", "× alone", "generations"];
    const rows = [
      ["node-llama-cpp alone", aloneTps.toFixed(1), "-", `${runs.alone.reduce((s, r) => s + r.generations, 0)}`],
      ["switchyard local engine", switchyardTps.toFixed(1), Number.isFinite(ratio) ? ratio.toFixed(2) : "n/a", `${runs.switchyard.reduce((s, r) => s + r.generations, 0)}`],
    ];
    const preface = `${n.rounds} rounds × ${n.duration} s; ${n["max-tokens"]} tokens asked per generation; ${n.threads} thread(s); model ${args.strings.model.split("/").at(-1) ?? ""}`;
    return {
      result: { options: { ...n, model: args.strings.model }, runs, tokensPerSecond: { alone: aloneTps, switchyard: switchyardTps }, ratio },
      text: `${preface}\n\n${formatTable(header, rows)}`,
      markdown: `${preface}.\n\n${markdownTable(header, rows)}`,
      failed: false,
    };
  });
});
