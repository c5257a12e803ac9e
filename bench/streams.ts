/**
 * Streams held open and slow readers, through Switchyard with production settings: (1) N concurrent long SSE
 * streams (target 10,000): completions, errors and the gateway's RSS; (2) clients that read a few bytes a second
 * from large streamed answers: the gateway's RSS must stay bounded, because backpressure is honoured end to end.
 * Each part has its own mock upstream and gateway. See bench/README.md.
 */
import { request } from "undici";
import { benchUsage, parseBenchArgs, type NumberFlag } from "./benchArgs.js";
import { checkChatTarget } from "./checkChatTarget.js";
import { formatTable } from "./formatTable.js";
import { heldStreams, type HeldStreamsResult } from "./heldStreams.js";
import { markdownTable } from "./markdownTable.js";
import type { MockOptions } from "./mockOptions.js";
import { requireOpenFiles } from "./openFileLimit.js";
import { runMain, runScenario } from "./runScenario.js";
import type { RunningService } from "./runningService.js";
import { slowReaders, type SlowReadersResult } from "./slowReaders.js";
import { startBenchGateway } from "./startBenchGateway.js";
import { startMock } from "./startMock.js";

const flags = {
  streams: { default: 10000, min: 0, integer: true, help: "concurrent long streams (0 skips the part)" },
  hold: { default: 60, min: 1, integer: true, help: "seconds each long stream lasts" },
  interval: { default: 1, min: 0.1, help: "seconds between a long stream's chunks" },
  "heap-mb": { default: 0, min: 0, integer: true, help: "the gateway's V8 heap limit (--max-old-space-size), as a deployment sets it under its memory limit; 0: V8's default" },
  "open-rate": { default: 500, min: 1, help: "long streams opened per second" },
  slow: { default: 100, min: 0, integer: true, help: "slow readers (0 skips the part)" },
  "slow-seconds": { default: 30, min: 0.1, help: "how long the slow readers read" },
  "slow-bytes-per-second": { default: 16, min: 1, integer: true, help: "bytes each slow reader takes per second" },
  "slow-chunks": { default: 100000, min: 1, integer: true, help: "chunks in each slow reader's streamed answer (about 240 bytes each)" },
} satisfies Record<string, NumberFlag>;

const about = `Long streams: the gateway needs two open files per stream (ulimit -n ≥ 2 × streams + 200 in the shell that runs this).
Takes about streams / open-rate + hold seconds, plus slow-seconds.`;

/** A gateway sized for `inFlight` concurrent streams, in front of its own mock. */
async function startStack(services: RunningService[], mockOptions: Partial<MockOptions>, inFlight: number, totalMs: number, heapMb: number) {
  const mock = await startMock(mockOptions);
  services.push(mock);
  const engine = { maxConcurrency: inFlight + 100, maxQueue: 1000, connections: inFlight + 100, timeouts: { totalMs } };
  const stack = await startBenchGateway(mock.url, { engine, ...(heapMb > 0 ? { nodeOptions: `--max-old-space-size=${heapMb}` } : {}) });
  services.push(stack.gateway);
  return stack;
}

runMain("streams benchmark", async () => {
  const argv = process.argv.slice(2);
  const args = parseBenchArgs(argv, flags);
  if (args.help) {
    process.stdout.write(`${benchUsage("node dist/bench/streams.js [flags]", about, flags)}\n`);
    return 0;
  }
  const n = args.numbers;
  const command = ["node", "dist/bench/streams.js", ...argv].join(" ");
  return runScenario({ name: "streams", command, outDir: args.outDir }, async ({ services, progress }) => {
    let held: HeldStreamsResult | undefined;
    let slow: SlowReadersResult | undefined;
    if (n.streams > 0) {
      await requireOpenFiles("this runner", "self", n.streams + 200);
      const openSec = n.streams / n["open-rate"];
      const totalMs = Math.ceil((openSec + n.hold + 60) * 1000);
      const chunks = Math.max(1, Math.round(n.hold / n.interval));
      const { gateway, target } = await startStack(services, { chunks, chunkIntervalMs: Math.round(n.interval * 1000) }, n.streams, totalMs, n["heap-mb"]);
      await requireOpenFiles("the gateway", gateway.pid, 2 * n.streams + 200);
      progress(`long streams: ${n.streams} × ${n.hold} s (a chunk every ${n.interval} s), opened at ${n["open-rate"]}/s${n["heap-mb"] > 0 ? `, gateway heap limit ${n["heap-mb"]} MB` : ""}`);
      held = await heldStreams(target, { streams: n.streams, openRate: n["open-rate"], timeoutMs: totalMs, gatewayPid: gateway.pid });
      progress(`  ${held.completed}/${held.streams} completed, peak ${held.peakOpen} open, RSS max ${held.rss.maxMb.toFixed(0)} MB`);
      for (const service of services.splice(0).reverse()) await service.stop();
    }
    if (n.slow > 0) {
      const totalMs = (n["slow-seconds"] + 120) * 1000;
      const { gateway, target } = await startStack(services, { chunks: n["slow-chunks"] }, n.slow, totalMs, n["heap-mb"]);
      await checkChatTarget("switchyard", target);
      // The size of one whole answer, read at full speed, to put the unread volume in bytes.
      const whole = await request(`${target.origin}${target.path}`, { method: "POST", headers: target.headers, body: target.streamBody });
      const streamBytes = (await whole.body.arrayBuffer()).byteLength;
      progress(`slow readers: ${n.slow} × ${n["slow-bytes-per-second"]} B/s for ${n["slow-seconds"]} s, answers of ${(streamBytes / 2 ** 20).toFixed(1)} MB`);
      slow = await slowReaders(target, { readers: n.slow, seconds: n["slow-seconds"], bytesPerSecond: n["slow-bytes-per-second"], streamBytes, gatewayPid: gateway.pid });
      // The gateway must still serve normally once the slow readers are gone.
      await checkChatTarget("switchyard after the slow readers", target);
      progress(`  RSS +${slow.rssGrowthMb.toFixed(0)} MB with ${slow.unreadMb.toFixed(0)} MB unread: ${slow.bounded ? "bounded" : "NOT bounded"}`);
    }
    const mb = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : "n/a");
    const heldRow = held
      ? [["long streams", `${held.streams}`, `${held.completed}`, `${held.failed}`, `${held.peakOpen}`, `${mb(held.rss.startMb)} → ${mb(held.rss.maxMb)}`, Number.isFinite(held.rssPerOpenStreamKb) ? held.rssPerOpenStreamKb.toFixed(1) : "n/a", held.failed === 0 ? "pass" : "FAIL"]]
      : [];
    const slowRow = slow
      ? [["slow readers", `${slow.readers}`, `${slow.started}`, `${slow.readers - slow.started}`, `${slow.readers}`, `${mb(slow.rss.startMb)} → ${mb(slow.rss.maxMb)} (${mb(slow.unreadMb)} MB unread)`, "-", slow.bounded ? "pass (bounded)" : "FAIL (grew)"]]
      : [];
    const header = ["part", "clients", "ok", "failed", "peak open", "gateway RSS MB", "KB/stream", "result"];
    const rows = [...heldRow, ...slowRow];
    const errors = [...Object.entries(held?.errors ?? {}), ...Object.entries(slow?.errors ?? {})].map(([e, c]) => `error ×${c}: ${e}`);
    return {
      result: { options: n, ...(held ? { held } : {}), ...(slow ? { slow } : {}) },
      text: [formatTable(header, rows), ...errors].join("\n"),
      markdown: [markdownTable(header, rows), "", ...errors.map((e) => `- ${e}`)].join("\n"),
      failed: (held !== undefined && held.failed > 0) || (slow !== undefined && !slow.bounded),
    };
  });
});
