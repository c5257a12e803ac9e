/**
 * An OpenAI-compatible upstream on loopback with fault injection: a real node:http server, so tests exercise real
 * sockets, keep-alive, backpressure and disconnects. Each request's behaviour comes from `script(request)`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import {
  chunkJson,
  completionJson,
  errorJson,
  textChunksOf,
  toolCallDeltas,
  embeddingsJson,
  usageChunkJson,
  usageOf,
  type ChunkEnvelope,
} from "./mockUpstreamWire.js";

export interface MockUsage {
  prompt_tokens: number;
  completion_tokens: number;
  /** Passed through as sent, for upstreams that report cache hits. */
  prompt_tokens_details?: { cached_tokens?: number };
  /** Passed through as sent, for reasoning models. */
  completion_tokens_details?: { reasoning_tokens?: number };
}

export interface MockToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface MockScript {
  /** Default "Hello from the mock upstream, streamed in small pieces." */
  text?: string;
  /** Explicit text chunks; default: text split into word-sized pieces (spaces kept). */
  chunks?: string[];
  /** Default "stop" ("tool_calls" when toolCalls are scripted). */
  finishReason?: string;
  /** Default: prompt = words across all request messages, completion = chunks sent; null = send no usage. */
  usage?: MockUsage | null;
  /** Streamed as tool_calls deltas (arguments split in 2+ pieces), after any scripted text. */
  toolCalls?: MockToolCall[];
  /** Respond with this HTTP error status and an OpenAI-shaped error body instead. */
  status?: number;
  errorMessage?: string;
  /** Retry-After header on error responses. */
  retryAfter?: string;
  /** retry-after-ms header (OpenAI's precise variant) on error responses. */
  retryAfterMs?: string;
  /** Wait before sending headers. */
  headersDelayMs?: number;
  /** Wait between chunks. */
  chunkDelayMs?: number;
  /** Destroy the socket after N text chunks (no [DONE]). */
  dropAfterChunks?: number;
  /** Send `data: {"error":{...}}` after N text chunks, then end. */
  midStreamError?: { afterChunks: number; message: string };
  /** Accept the request and never answer (until the client goes away). */
  hang?: boolean;
  /** Send N text chunks, then go silent with the stream open (until the client goes away). */
  stallAfterChunks?: number;
  /** Send these exact body pieces (one write each) as a 200 text/event-stream, ignoring the fields above. */
  rawBody?: Array<string | Uint8Array>;
  /** Answer with a chat.completion even when asked to stream, as some upstreams do. */
  ignoreStream?: boolean;
  /**
   * Send a `data: {not json` event after N text chunks (after all of them when N is larger), then the rest of the
   * stream, finish_reason and [DONE] as usual: a client that skips bad chunks would see a clean success.
   * Streaming only.
   */
  malformedAfterChunks?: number;
  /**
   * No chunk carries a finish_reason (the stream still ends with usage, when asked, and [DONE]); a non-streaming
   * answer gets `"finish_reason": null`.
   */
  omitFinishReason?: boolean;
  /** Destroy the socket after the finish_reason chunk (and the usage chunk, when asked), before [DONE]. */
  dropAfterFinish?: boolean;
  /** Hold the response before its headers until this settles (or the client goes away), to test concurrency. */
  holdUntil?: Promise<unknown>;
  /** POST /v1/embeddings: the vector for each input; default mockEmbedding (deterministic, float32-exact). */
  embedding?: (input: string | number[], index: number) => number[];
  /** POST /v1/embeddings: answer with this body (200, JSON) instead of the vectors. */
  embeddingsBody?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

export interface MockUpstream {
  /** Base URL including /v1, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  /** Every chat/completions and embeddings request received, in order (`path` tells them apart). */
  requests: RecordedRequest[];
  /** Responses the client closed before we finished writing. */
  abortedStreams: number;
  completedStreams: number;
  /** Responses currently open. */
  inFlight: number;
  /** The most chat/completions responses open at once since the last reset() (which zeroes it). */
  maxInFlight: number;
  /** TCP connections accepted, to check that clients reuse keep-alive sockets. */
  connections: number;
  /** Settable; default () => ({}). */
  script: (request: RecordedRequest) => MockScript;
  /** Model ids served by GET /v1/models; settable, default ["mock-model"]. */
  models: string[];
  /** Resolves when abortedStreams >= n; rejects after timeoutMs (default 5000). */
  waitForAborted(n: number, timeoutMs?: number): Promise<void>;
  /** Clears requests and counters, restores the default script and models. */
  reset(): void;
  close(): Promise<void>;
}

export interface MockUpstreamOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
}

const defaultScript = (): MockScript => ({});

export async function startMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const sockets = new Set<Socket>();
  const waiters = new Set<() => void>();
  const dropped = new WeakSet<ServerResponse>();
  let nextId = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(errorJson(500, `mock upstream failed: ${String(error)}`));
      } else {
        res.destroy();
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    mock.connections++;
    socket.on("close", () => sockets.delete(socket));
  });

  const mock: MockUpstream = {
    url: "",
    requests: [],
    abortedStreams: 0,
    completedStreams: 0,
    inFlight: 0,
    maxInFlight: 0,
    connections: 0,
    script: defaultScript,
    models: ["mock-model"],
    waitForAborted(n, timeoutMs = 5000) {
      if (mock.abortedStreams >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (mock.abortedStreams < n) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`mock upstream saw ${mock.abortedStreams} aborted streams, expected ${n} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    reset() {
      mock.requests = [];
      mock.abortedStreams = 0;
      mock.completedStreams = 0;
      mock.maxInFlight = 0;
      mock.connections = 0;
      mock.script = defaultScript;
      mock.models = ["mock-model"];
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Pooled keep-alive clients would otherwise hold the server open.
        for (const socket of sockets) socket.destroy();
      });
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? "/";
    // Azure OpenAI's deployment paths are served as the /v1 ones; `path` keeps the deployment and api-version.
    const asked = path.split("?")[0] ?? "/";
    const deployment = /^\/openai\/deployments\/[^/]+(\/chat\/completions|\/embeddings)$/.exec(asked);
    const route = deployment ? `/v1${deployment[1]}` : asked;
    if (req.method === "GET" && route === "/v1/models") {
      req.resume();
      return sendJson(res, 200, {
        object: "list",
        data: mock.models.map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "switchyard-mock" })),
      });
    }
    if (req.method !== "POST" || (route !== "/v1/chat/completions" && route !== "/v1/embeddings")) {
      req.resume();
      return sendRaw(res, 404, errorJson(404, `no route for ${req.method} ${route}`));
    }

    const raw = await readBody(req);
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      body = parsed as Record<string, unknown>;
    } catch {
      return sendRaw(res, 400, errorJson(400, "We could not parse the JSON body of your request."));
    }
    const recorded: RecordedRequest = { method: req.method, path, headers: { ...req.headers }, body };
    mock.requests.push(recorded);
    const script = mock.script(recorded);

    track(res);
    if (script.hang) return;
    if (script.holdUntil && !(await holdUntil(res, script.holdUntil))) return;
    if (script.headersDelayMs && !(await pause(res, script.headersDelayMs))) return;

    if (script.status !== undefined) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (script.retryAfter !== undefined) headers["retry-after"] = script.retryAfter;
      if (script.retryAfterMs !== undefined) headers["retry-after-ms"] = script.retryAfterMs;
      res.writeHead(script.status, headers);
      res.end(errorJson(script.status, script.errorMessage ?? `mock upstream error ${script.status}`));
      return;
    }

    if (route === "/v1/embeddings") {
      if (script.embeddingsBody !== undefined) return sendRaw(res, 200, script.embeddingsBody);
      // As a real server refuses more dimensions than its model has (and the mock must not build huge vectors).
      if (typeof body.dimensions === "number" && body.dimensions > 4096) return sendRaw(res, 400, errorJson(400, "dimensions is larger than the model's"));
      return sendRaw(res, 200, embeddingsJson(body, script));
    }

    const envelope: ChunkEnvelope = {
      id: `chatcmpl-mock${++nextId}`,
      created: Math.floor(Date.now() / 1000),
      model: typeof body.model === "string" ? body.model : "mock-model",
      includeUsage: isIncludeUsage(body.stream_options),
    };
    if (body.stream === true && !script.ignoreStream) await stream(res, script, body, envelope);
    else complete(res, script, body, envelope);
  }

  function track(res: ServerResponse): void {
    mock.inFlight++;
    mock.maxInFlight = Math.max(mock.maxInFlight, mock.inFlight);
    res.on("close", () => {
      mock.inFlight--;
      if (res.writableEnded) mock.completedStreams++;
      // A drop the script asked for is the mock's doing, not the client's.
      else if (!dropped.has(res)) {
        mock.abortedStreams++;
        for (const waiter of [...waiters]) waiter();
      }
    });
  }

  async function stream(res: ServerResponse, script: MockScript, body: Record<string, unknown>, envelope: ChunkEnvelope): Promise<void> {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" });
    if (script.rawBody) {
      for (const piece of script.rawBody) if (!(await write(res, piece))) return;
      res.end();
      return;
    }

    const chunks = textChunksOf(script);
    const toolCalls = script.toolCalls ?? [];
    const delay = script.chunkDelayMs ?? 0;
    const first: Record<string, unknown> = { role: "assistant", content: chunks.length > 0 || toolCalls.length === 0 ? "" : null, refusal: null };
    if (!(await write(res, event(chunkJson(envelope, first, null))))) return;

    let sent = 0;
    for (const text of chunks) {
      if (script.malformedAfterChunks === sent && !(await write(res, malformedEvent))) return;
      if (script.dropAfterChunks === sent) return drop(res);
      if (script.midStreamError?.afterChunks === sent) return midStreamError(res, script.midStreamError.message);
      if (script.stallAfterChunks === sent) return;
      if (delay > 0 && !(await pause(res, delay))) return;
      if (!(await write(res, event(chunkJson(envelope, { content: text }, null))))) return;
      sent++;
    }
    if (script.malformedAfterChunks !== undefined && script.malformedAfterChunks >= sent && !(await write(res, malformedEvent))) return;
    if (script.dropAfterChunks !== undefined && script.dropAfterChunks <= sent) return drop(res);
    if (script.midStreamError && script.midStreamError.afterChunks <= sent) return midStreamError(res, script.midStreamError.message);
    if (script.stallAfterChunks !== undefined && script.stallAfterChunks <= sent) return;

    let toolPieces = 0;
    for (const [index, call] of toolCalls.entries()) {
      for (const delta of toolCallDeltas(call, index)) {
        if (delay > 0 && !(await pause(res, delay))) return;
        if (!(await write(res, event(chunkJson(envelope, delta, null))))) return;
        toolPieces++;
      }
    }

    if (!script.omitFinishReason) {
      const finishReason = script.finishReason ?? (toolCalls.length > 0 ? "tool_calls" : "stop");
      if (!(await write(res, event(chunkJson(envelope, {}, finishReason))))) return;
    }
    const usage = usageOf(script, body, sent + toolPieces);
    if (envelope.includeUsage && usage && !(await write(res, event(usageChunkJson(envelope, usage))))) return;
    if (script.dropAfterFinish) return drop(res);
    // One write with the end of the chunked body, as real servers do: the client sees [DONE] and the end together.
    if (!res.destroyed) res.end("data: [DONE]\n\n");
  }

  function complete(res: ServerResponse, script: MockScript, body: Record<string, unknown>, envelope: ChunkEnvelope): void {
    const chunks = textChunksOf(script);
    const toolCalls = script.toolCalls;
    const text = chunks.length > 0 || !toolCalls ? chunks.join("") : null;
    const finishReason = script.omitFinishReason ? null : (script.finishReason ?? (toolCalls && toolCalls.length > 0 ? "tool_calls" : "stop"));
    const usage = usageOf(script, body, chunks.length + (toolCalls?.length ?? 0));
    sendRaw(res, 200, completionJson(envelope, text, toolCalls, finishReason, usage));
  }

  function drop(res: ServerResponse): void {
    dropped.add(res);
    // Node corks response writes until the next tick; destroy only once what was written has reached the socket.
    const socket = res.socket;
    if (socket && !socket.destroyed) socket.write("", () => res.destroy());
    else res.destroy();
  }

  function midStreamError(res: ServerResponse, message: string): void {
    if (!res.destroyed) res.end(event(JSON.stringify({ error: { message, type: "server_error", param: null, code: null } })));
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  mock.url = `http://${host}:${address.port}/v1`;
  return mock;
}

/** Cut off mid-object, as a proxy that truncates a line would leave it. */
const malformedEvent = "data: {not json\n\n";

function event(json: string): string {
  return `data: ${json}\n\n`;
}

function isIncludeUsage(streamOptions: unknown): boolean {
  return typeof streamOptions === "object" && streamOptions !== null && (streamOptions as { include_usage?: unknown }).include_usage === true;
}

/** Writes honouring backpressure; false once the client has gone. */
function write(res: ServerResponse, data: string | Uint8Array): Promise<boolean> | boolean {
  if (res.destroyed) return false;
  if (res.write(data)) return true;
  return new Promise<boolean>((resolve) => {
    const onDrain = () => {
      res.off("close", onClose);
      resolve(true);
    };
    const onClose = () => {
      res.off("drain", onDrain);
      resolve(false);
    };
    res.once("drain", onDrain);
    res.once("close", onClose);
  });
}

/** Waits for `until` unless the client goes away first; false when it did. */
function holdUntil(res: ServerResponse, until: Promise<unknown>): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onClose = () => resolve(false);
    res.once("close", onClose);
    const settle = () => {
      res.off("close", onClose);
      resolve(!res.destroyed);
    };
    until.then(settle, settle);
  });
}

/** Waits unless the client goes away first; false when it did. */
function pause(res: ServerResponse, ms: number): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off("close", onClose);
      resolve(!res.destroyed);
    }, ms);
    res.once("close", onClose);
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendRaw(res, status, JSON.stringify(value));
}

function sendRaw(res: ServerResponse, status: number, json: string): void {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
  res.end(json);
}
