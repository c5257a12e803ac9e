/**
 * Anthropic's Messages API on loopback with fault injection: a real node:http server, so tests exercise real
 * sockets, keep-alive and disconnects. Streams follow the shape Anthropic records (message_start with usage,
 * content blocks with their start/delta/stop, a ping, message_delta with the stop reason and output usage,
 * message_stop); each request's behaviour comes from `script(request)`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface AnthropicMockUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

export interface AnthropicMockToolUse {
  id: string;
  name: string;
  /** The input as JSON text; streamed as input_json_delta in pieces of `jsonPieceLength` characters. */
  json: string;
}

export interface AnthropicMockScript {
  /** Default "Hello from the mock Anthropic upstream." */
  text?: string;
  /** Explicit text deltas; default: text split into word-sized pieces (spaces kept). */
  chunks?: string[];
  /** A thinking block (with a signature) before the text, as extended thinking sends. */
  thinking?: string;
  /** tool_use blocks after the text. */
  toolUses?: AnthropicMockToolUse[];
  /** Characters per input_json_delta; default 7. */
  jsonPieceLength?: number;
  /** Default "end_turn" ("tool_use" when toolUses are scripted). */
  stopReason?: string;
  /** Default: input = words across system and messages, output = deltas sent. */
  usage?: AnthropicMockUsage;
  /** Answer with this status and Anthropic's error envelope instead. */
  status?: number;
  /** Default by status: rate_limit_error (429), overloaded_error (529), api_error (5xx), … */
  errorType?: string;
  errorMessage?: string;
  /** Retry-After header on an error answer. */
  retryAfter?: string;
  /** Destroy the socket after N text deltas (no message_stop). */
  dropAfterDeltas?: number;
  /** Send an event that is not JSON after N text deltas, then the rest of the stream as usual. */
  malformedAfterDeltas?: number;
  /** Send an `error` event after N text deltas, then end the body. */
  errorEventAfterDeltas?: { after: number; type: string; message: string };
  /** End the body cleanly without message_stop, after message_delta. */
  omitMessageStop?: boolean;
  /** Destroy the socket right after message_stop. */
  dropAfterStop?: boolean;
  /** Accept the request and never answer (until the client goes away). */
  hang?: boolean;
  /** Send N text deltas, then go silent with the stream open (until the client goes away). */
  stallAfterDeltas?: number;
}

export interface AnthropicRecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

export interface MockAnthropicUpstream {
  /** The origin, e.g. http://127.0.0.1:PORT (an engine's baseUrl). */
  url: string;
  /** Every POST /v1/messages received, in order. */
  requests: AnthropicRecordedRequest[];
  /** Responses the client closed before the mock finished writing them. */
  abortedStreams: number;
  completedStreams: number;
  /** Responses open now. */
  inFlight: number;
  /** Settable; default () => ({}). */
  script: (request: AnthropicRecordedRequest) => AnthropicMockScript;
  /** Resolves when abortedStreams >= n; rejects after timeoutMs (default 5000). */
  waitForAborted(n: number, timeoutMs?: number): Promise<void>;
  /** Resolves when `requests.length >= n`; rejects after timeoutMs (default 5000). */
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  /** Clears requests and counters and restores the default script. */
  reset(): void;
  close(): Promise<void>;
}

const defaultScript = (): AnthropicMockScript => ({});

export async function startMockAnthropicUpstream(): Promise<MockAnthropicUpstream> {
  const sockets = new Set<Socket>();
  const waiters = new Set<() => void>();
  const dropped = new WeakSet<ServerResponse>();
  let nextId = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, envelope("api_error", `mock upstream failed: ${String(error)}`));
      else res.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const waitFor = (reached: () => boolean, what: () => string, timeoutMs: number) => {
    if (reached()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!reached()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(what()));
      }, timeoutMs);
      waiters.add(check);
    });
  };

  const mock: MockAnthropicUpstream = {
    url: "",
    requests: [],
    abortedStreams: 0,
    completedStreams: 0,
    inFlight: 0,
    script: defaultScript,
    waitForAborted: (n, timeoutMs = 5000) =>
      waitFor(() => mock.abortedStreams >= n, () => `mock saw ${mock.abortedStreams} aborted streams, expected ${n} within ${timeoutMs} ms`, timeoutMs),
    waitForRequests: (n, timeoutMs = 5000) =>
      waitFor(() => mock.requests.length >= n, () => `mock saw ${mock.requests.length} requests, expected ${n} within ${timeoutMs} ms`, timeoutMs),
    reset() {
      mock.requests = [];
      mock.abortedStreams = 0;
      mock.completedStreams = 0;
      mock.script = defaultScript;
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
    if (req.method !== "POST" || path.split("?")[0] !== "/v1/messages") {
      req.resume();
      return sendJson(res, 404, envelope("not_found_error", `Not found: ${req.method} ${path}`));
    }
    const raw = await readBody(req);
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      body = parsed as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, envelope("invalid_request_error", "The request body is not valid JSON."));
    }
    const recorded: AnthropicRecordedRequest = { method: req.method, path, headers: { ...req.headers }, body };
    mock.requests.push(recorded);
    notify();
    // The checks Anthropic makes first, so an engine that forgets a required field hears of it as it would there.
    if (typeof body.max_tokens !== "number") return sendJson(res, 400, envelope("invalid_request_error", "max_tokens: Field required"));
    if (!Array.isArray(body.messages)) return sendJson(res, 400, envelope("invalid_request_error", "messages: Field required"));
    const script = mock.script(recorded);

    track(res);
    if (script.hang) return;
    if (script.status !== undefined) {
      const headers: Record<string, string> = {};
      if (script.retryAfter !== undefined) headers["retry-after"] = script.retryAfter;
      return sendJson(res, script.status, envelope(script.errorType ?? errorTypeOf(script.status), script.errorMessage ?? `mock upstream error ${script.status}`), headers);
    }
    const model = typeof body.model === "string" ? body.model : "claude-test";
    const id = `msg_mock${++nextId}`;
    if (body.stream === true) await stream(res, script, body, model, id);
    else sendJson(res, 200, wholeMessage(script, body, model, id));
  }

  function track(res: ServerResponse): void {
    mock.inFlight++;
    res.on("close", () => {
      mock.inFlight--;
      if (res.writableEnded) mock.completedStreams++;
      // A drop the script asked for is the mock's doing, not the client's.
      else if (!dropped.has(res)) {
        mock.abortedStreams++;
        notify();
      }
    });
  }

  async function stream(res: ServerResponse, script: AnthropicMockScript, body: Record<string, unknown>, model: string, id: string): Promise<void> {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "request-id": `req_${id}` });
    const chunks = textChunksOf(script);
    const toolUses = script.toolUses ?? [];
    const usage = usageOf(script, body, chunks.length + toolUses.length);
    const send = (type: string, data: Record<string, unknown>) => write(res, `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);

    const startUsage = { input_tokens: usage.input_tokens, cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0, cache_read_input_tokens: usage.cache_read_input_tokens ?? 0, output_tokens: 1 };
    const message = { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: startUsage };
    if (!(await send("message_start", { message }))) return;

    let index = 0;
    if (script.thinking !== undefined) {
      if (!(await send("content_block_start", { index, content_block: { type: "thinking", thinking: "", signature: "" } }))) return;
      if (!(await send("content_block_delta", { index, delta: { type: "thinking_delta", thinking: script.thinking } }))) return;
      if (!(await send("content_block_delta", { index, delta: { type: "signature_delta", signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3h" } }))) return;
      if (!(await send("content_block_stop", { index }))) return;
      index++;
    }

    // Faults keyed on text deltas fire after N of them, or after all when N is larger.
    const faultAt = async (sent: number, last: boolean): Promise<"go" | "over"> => {
      const due = (n: number | undefined) => n !== undefined && (last ? n >= sent : n === sent);
      if (due(script.malformedAfterDeltas) && !(await write(res, "event: content_block_delta\ndata: {\"type\": \"content_block_delta\", \"index\": 0, \"delta\": {\"type\": \"text_de\n\n"))) return "over";
      if (due(script.dropAfterDeltas)) {
        drop(res);
        return "over";
      }
      const inBand = script.errorEventAfterDeltas;
      if (inBand !== undefined && due(inBand.after)) {
        if (!res.destroyed) res.end(`event: error\ndata: ${JSON.stringify(envelope(inBand.type, inBand.message))}\n\n`);
        return "over";
      }
      if (due(script.stallAfterDeltas)) return "over";
      return "go";
    };

    if (chunks.length > 0) {
      if (!(await send("content_block_start", { index, content_block: { type: "text", text: "" } }))) return;
      if (!(await write(res, "event: ping\ndata: {\"type\": \"ping\"}\n\n"))) return;
    }
    let sent = 0;
    for (const text of chunks) {
      if ((await faultAt(sent, false)) === "over") return;
      if (!(await send("content_block_delta", { index, delta: { type: "text_delta", text } }))) return;
      sent++;
    }
    if ((await faultAt(sent, true)) === "over") return;
    if (chunks.length > 0) {
      if (!(await send("content_block_stop", { index }))) return;
      index++;
    }

    const pieceLength = script.jsonPieceLength ?? 7;
    for (const tool of toolUses) {
      if (!(await send("content_block_start", { index, content_block: { type: "tool_use", id: tool.id, name: tool.name, input: {} } }))) return;
      // Anthropic opens every tool input with an empty piece.
      if (!(await send("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: "" } }))) return;
      for (let at = 0; at < tool.json.length; at += pieceLength) {
        if (!(await send("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: tool.json.slice(at, at + pieceLength) } }))) return;
      }
      if (!(await send("content_block_stop", { index }))) return;
      index++;
    }

    const stopReason = script.stopReason ?? (toolUses.length > 0 ? "tool_use" : "end_turn");
    if (!(await send("message_delta", { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }))) return;
    if (script.omitMessageStop) {
      if (!res.destroyed) res.end();
      return;
    }
    if (script.dropAfterStop) {
      if (!(await send("message_stop", {}))) return;
      return drop(res);
    }
    if (!res.destroyed) res.end(`event: message_stop\ndata: ${JSON.stringify({ type: "message_stop" })}\n\n`);
  }

  function drop(res: ServerResponse): void {
    dropped.add(res);
    // Node corks response writes until the next tick; destroy only once what was written has reached the socket.
    const socket = res.socket;
    if (socket && !socket.destroyed) socket.write("", () => res.destroy());
    else res.destroy();
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  mock.url = `http://127.0.0.1:${address.port}`;
  return mock;
}

function wholeMessage(script: AnthropicMockScript, body: Record<string, unknown>, model: string, id: string): Record<string, unknown> {
  const chunks = textChunksOf(script);
  const toolUses = script.toolUses ?? [];
  const content: Array<Record<string, unknown>> = [];
  if (chunks.length > 0) content.push({ type: "text", text: chunks.join("") });
  for (const tool of toolUses) content.push({ type: "tool_use", id: tool.id, name: tool.name, input: JSON.parse(tool.json) as unknown });
  const usage = usageOf(script, body, chunks.length + toolUses.length);
  return {
    id,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: script.stopReason ?? (toolUses.length > 0 ? "tool_use" : "end_turn"),
    stop_sequence: null,
    usage: { cache_creation_input_tokens: 0, cache_read_input_tokens: 0, ...usage },
  };
}

function envelope(type: string, message: string): { type: "error"; error: { type: string; message: string } } {
  return { type: "error", error: { type, message } };
}

function errorTypeOf(status: number): string {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 529:
      return "overloaded_error";
    default:
      return "api_error";
  }
}

function textChunksOf(script: AnthropicMockScript): string[] {
  if (script.chunks) return script.chunks;
  const text = script.text ?? "Hello from the mock Anthropic upstream.";
  return text.match(/\S+\s*/g) ?? [];
}

function usageOf(script: AnthropicMockScript, body: Record<string, unknown>, deltas: number): AnthropicMockUsage {
  if (script.usage) return script.usage;
  return { input_tokens: Math.max(1, wordsOf(body.system) + wordsOf(body.messages)), output_tokens: Math.max(1, deltas) };
}

/** Words in every string inside a value: a rough, deterministic prompt size. */
function wordsOf(value: unknown): number {
  if (typeof value === "string") return value.split(/\s+/).filter(Boolean).length;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + wordsOf(item), 0);
  if (typeof value === "object" && value !== null) return Object.values(value).reduce((sum: number, item) => sum + wordsOf(item), 0);
  return 0;
}

/** Writes honouring backpressure; false once the client has gone. */
function write(res: ServerResponse, data: string): Promise<boolean> | boolean {
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

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(json), ...headers });
  res.end(json);
}
