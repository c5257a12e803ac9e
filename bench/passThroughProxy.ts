/**
 * The baseline for throughput: a bare pass-through proxy, Fastify plus an undici Pool, with no features at all
 * (no auth, limits, ledger, logs, metrics, parsing of the upstream's answer). What Switchyard achieves is read
 * against this, the practical ceiling for a Node.js gateway on the same machine.
 *
 * `node dist/bench/passThroughProxy.js --upstream http://127.0.0.1:PORT [--port 0] [--connections 256]`
 * forwards POST /v1/chat/completions and GET /v1/models, streaming the answer back with backpressure.
 */
import Fastify from "fastify";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { Pool } from "undici";
import { announceListening } from "./announceListening.js";

export interface PassThroughOptions {
  upstream: string;
  port: number;
  connections: number;
}

export async function startPassThroughProxy(options: PassThroughOptions) {
  const pool = new Pool(options.upstream, { connections: options.connections, pipelining: 1, keepAliveTimeout: 120_000 });
  const app = Fastify({ logger: false, bodyLimit: 1 << 20 });
  // The body goes upstream as the bytes that came in: a pass-through has no reason to parse it.
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
  app.addHook("onClose", () => pool.close());

  app.post("/v1/chat/completions", async (request, reply) => {
    const abort = new AbortController();
    // The response's close, not the request's: a request emits close as soon as its body has been read.
    reply.raw.once("close", () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    const upstream = await pool.request({
      method: "POST",
      path: "/v1/chat/completions",
      headers: { "content-type": "application/json" },
      body: request.body as Buffer,
      signal: abort.signal,
    });
    const contentType = upstream.headers["content-type"];
    reply.code(upstream.statusCode);
    if (typeof contentType === "string") reply.header("content-type", contentType);
    return reply.send(upstream.body);
  });
  app.get("/v1/models", async (_request, reply) => {
    const upstream = await pool.request({ method: "GET", path: "/v1/models" });
    reply.code(upstream.statusCode).header("content-type", "application/json");
    return reply.send(upstream.body);
  });
  await app.listen({ host: "127.0.0.1", port: options.port });
  return app;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { upstream: { type: "string" }, port: { type: "string" }, connections: { type: "string" } },
    strict: true,
  });
  if (values.upstream === undefined) throw new Error("--upstream is required");
  const app = await startPassThroughProxy({
    upstream: values.upstream,
    port: Number(values.port ?? 0),
    connections: Number(values.connections ?? 256),
  });
  announceListening("pass-through", app.server.address());
  const stop = () => void app.close().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`pass-through: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
