/**
 * An OpenAI-compatible upstream for benchmarks, meant to run in its own process so its CPU time is not charged
 * to the process under measurement: `node dist/bench/mockUpstream.js [--port 0] [--latency-ms N] [--ttft-ms N]
 * [--chunks N] [--chunk-interval-ms N] [--fault-rate F] [--models a,b]` (or MOCK_* variables, see mockOptions).
 *
 * POST /v1/chat/completions answers JSON, or SSE when `stream: true` (with a usage chunk when
 * `stream_options.include_usage` is set); GET /v1/models lists the models. Once listening it prints one JSON line,
 * `{"msg":"mock upstream listening","url":"http://127.0.0.1:PORT"}`, and on SIGTERM/SIGINT one more with its
 * request counts before it exits. Plain node:http, bodies precomputed: it has to be much faster than what it
 * stands in front of.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { createMockBodies, type StreamBodies } from "./mockBodies.js";
import { parseMockOptions, type MockOptions } from "./mockOptions.js";

export interface MockStats {
  requests: number;
  streams: number;
  faults: number;
  /** Clients that went away before their answer was written. */
  aborted: number;
}

export interface MockUpstreamServer {
  server: Server;
  stats: MockStats;
}

const jsonHeaders = { "content-type": "application/json" };
const sseHeaders = { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" };
// Request bodies beyond this are refused: a benchmark prompt is small, and the mock must not buffer without bound.
const maxBodyBytes = 1 << 20;

export function createMockUpstream(options: MockOptions): MockUpstreamServer {
  const bodies = createMockBodies(options.chunks, options.models);
  const stats: MockStats = { requests: 0, streams: 0, faults: 0, aborted: 0 };

  const sendJson = (res: ServerResponse, status: number, body: Buffer) => {
    res.writeHead(status, { ...jsonHeaders, "content-length": body.length });
    res.end(body);
  };

  const after = (ms: number, res: ServerResponse, then: () => void) => {
    if (ms <= 0) return then();
    const timer = setTimeout(() => {
      if (res.destroyed) stats.aborted++;
      else then();
    }, ms);
    res.on("close", () => clearTimeout(timer));
  };

  const writeStream = (res: ServerResponse, stream: StreamBodies) => {
    res.writeHead(200, sseHeaders);
    if (options.chunkIntervalMs <= 0) {
      res.end(stream.whole);
      return;
    }
    res.write(stream.first);
    let next = 0;
    const tick = () => {
      if (res.destroyed) {
        stats.aborted++;
        return;
      }
      const piece = stream.rest[next++];
      if (piece === undefined) return;
      if (next === stream.rest.length) res.end(piece);
      else {
        res.write(piece);
        setTimeout(tick, options.chunkIntervalMs);
      }
    };
    setTimeout(tick, options.chunkIntervalMs);
  };

  const answerChat = (res: ServerResponse, payload: unknown) => {
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return sendJson(res, 400, bodies.badRequest);
    const request = payload as { model?: unknown; stream?: unknown; stream_options?: { include_usage?: unknown } };
    stats.requests++;
    if (options.faultRate > 0 && Math.random() < options.faultRate) {
      stats.faults++;
      return sendJson(res, 500, bodies.fault);
    }
    const model = typeof request.model === "string" ? request.model : (options.models[0] ?? "mock-model");
    if (request.stream === true) {
      stats.streams++;
      const stream = bodies.stream(model, request.stream_options?.include_usage === true);
      return after(options.ttftMs, res, () => writeStream(res, stream));
    }
    return after(options.latencyMs, res, () => sendJson(res, 200, bodies.completion(model)));
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/v1/models") {
      req.resume();
      return sendJson(res, 200, bodies.models);
    }
    if (req.method !== "POST" || path !== "/v1/chat/completions") {
      req.resume();
      return sendJson(res, 404, bodies.notFound);
    }
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (part: Buffer) => {
      size += part.length;
      if (size > maxBodyBytes) {
        sendJson(res, 413, bodies.badRequest);
        req.destroy();
        return;
      }
      parts.push(part);
    });
    req.on("end", () => {
      if (res.headersSent) return;
      let payload: unknown;
      try {
        payload = JSON.parse(Buffer.concat(parts, size).toString("utf8"));
      } catch {
        return sendJson(res, 400, bodies.badRequest);
      }
      answerChat(res, payload);
    });
  };

  const server = createServer({ noDelay: true }, handle);
  // Longer than any pause between benchmark phases, so pooled connections are not re-opened mid-measurement.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  return { server, stats };
}

async function main(): Promise<void> {
  const options = parseMockOptions(process.argv.slice(2), process.env);
  const { server, stats } = createMockUpstream(options);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  process.stdout.write(`${JSON.stringify({ msg: "mock upstream listening", url: `http://${host}:${port}`, pid: process.pid })}\n`);
  const stop = () => {
    process.stdout.write(`${JSON.stringify({ msg: "mock upstream stopped", ...stats })}\n`);
    server.close(() => process.exit(0));
    // Keep-alive clients would otherwise hold the server open.
    server.closeAllConnections();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`mock upstream: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
