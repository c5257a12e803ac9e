/**
 * A Gemini (Generative Language API) upstream on loopback with fault injection: a real node:http server serving
 * `POST /v1beta/models/{model}:streamGenerateContent?alt=sse` in the shape Google streams (one candidate per
 * chunk, `data: {...}\r\n\r\n`, usageMetadata and finishReason in the last chunk). Each request's behaviour
 * comes from `script(request)`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface MockGeminiUsage {
  promptTokenCount: number;
  candidatesTokenCount: number;
  totalTokenCount?: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
}

export interface MockGeminiScript {
  /** Default "Hello from the mock Gemini, streamed in small pieces." */
  text?: string;
  /** Explicit text chunks; default: text split into word-sized pieces (spaces kept). */
  chunks?: string[];
  /** A thought part (`thought: true`) sent before the text. */
  thought?: string;
  /** Sent as functionCall parts, one chunk each, after the text. */
  functionCalls?: Array<{ name: string; args: Record<string, unknown> }>;
  /** Default "STOP". */
  finishReason?: string;
  /** No chunk carries a finishReason. */
  omitFinishReason?: boolean;
  /** Default: prompt = words in the request's texts, candidates = chunks sent; null = no usageMetadata. */
  usage?: MockGeminiUsage | null;
  /** Answer with only `promptFeedback: {blockReason}` and no candidates. */
  blockReason?: string;
  /** Respond with this HTTP status and Google's error envelope instead. */
  status?: number;
  /** The envelope's `status` (default from the HTTP status: RESOURCE_EXHAUSTED, UNAVAILABLE, ...). */
  errorStatus?: string;
  errorMessage?: string;
  /** Retry-After header on error responses. */
  retryAfter?: string;
  /** Destroy the socket after N text chunks. */
  dropAfterChunks?: number;
  /** Send `data: {not json` after N text chunks, then the rest as usual. */
  malformedAfterChunks?: number;
  /** Accept the request and never answer (until the client goes away). */
  hang?: boolean;
  /** Send N text chunks, then go silent with the stream open (until the client goes away). */
  stallAfterChunks?: number;
}

export interface RecordedGeminiRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

export interface MockGeminiUpstream {
  /** The origin, e.g. http://127.0.0.1:PORT (the API is under /v1beta). */
  origin: string;
  requests: RecordedGeminiRequest[];
  /** Responses the client closed before they were finished. */
  abortedStreams: number;
  script: (request: RecordedGeminiRequest) => MockGeminiScript;
  /** Resolves when abortedStreams >= n; rejects after timeoutMs (default 5000). */
  waitForAborted(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const statusNames: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

const route = /^\/v1beta\/models\/([^/:]+):streamGenerateContent\?alt=sse$/;

export async function startMockGeminiUpstream(): Promise<MockGeminiUpstream> {
  const sockets = new Set<Socket>();
  const waiters = new Set<() => void>();

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  const mock: MockGeminiUpstream = {
    origin: "",
    requests: [],
    abortedStreams: 0,
    script: () => ({}),
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
          reject(new Error(`mock Gemini saw ${mock.abortedStreams} aborted streams, expected ${n} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      });
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? "/";
    const raw: Buffer[] = [];
    for await (const piece of req as AsyncIterable<Buffer>) raw.push(piece);
    const text = Buffer.concat(raw).toString("utf8");
    const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    const recorded: RecordedGeminiRequest = { method: req.method ?? "GET", path, headers: req.headers, body };
    if (req.method !== "POST" || !route.test(path)) {
      sendError(res, 404, "NOT_FOUND", `no route ${req.method ?? ""} ${path}`);
      return;
    }
    mock.requests.push(recorded);
    const script = mock.script(recorded);
    let finished = false;
    res.on("close", () => {
      if (finished) return;
      mock.abortedStreams++;
      for (const waiter of [...waiters]) waiter();
    });
    if (script.hang) return;
    if (script.status !== undefined) {
      sendError(res, script.status, script.errorStatus ?? statusNames[script.status] ?? "UNKNOWN", script.errorMessage ?? "mock failure", script.retryAfter);
      finished = true;
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    // Headers leave at once, as Google's do: a cut after them is a cut stream, not a refused connection.
    res.flushHeaders();
    const send = (chunk: unknown) => res.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`);

    if (script.blockReason !== undefined) {
      send({ promptFeedback: { blockReason: script.blockReason }, usageMetadata: { promptTokenCount: 3, totalTokenCount: 3 } });
      finished = true;
      res.end();
      return;
    }
    const chunks = script.chunks ?? (script.text ?? "Hello from the mock Gemini, streamed in small pieces.").match(/\S+\s*/g) ?? [];
    const calls = script.functionCalls ?? [];
    const usage = script.usage === undefined ? defaultUsage(body, chunks.length) : script.usage;
    // Google sends the finishReason with the last content, and usageMetadata alongside.
    const contents: unknown[][] = [];
    if (script.thought !== undefined) contents.push([{ text: script.thought, thought: true }]);
    for (const piece of chunks) contents.push([{ text: piece }]);
    for (const call of calls) contents.push([{ functionCall: call }]);
    let textSent = 0;
    for (let i = 0; i < contents.length; i++) {
      const isText = script.thought === undefined ? i < chunks.length : i >= 1 && i <= chunks.length;
      if (script.dropAfterChunks !== undefined && textSent === script.dropAfterChunks) {
        res.destroy();
        return;
      }
      if (script.stallAfterChunks !== undefined && textSent === script.stallAfterChunks) return;
      if (script.malformedAfterChunks !== undefined && textSent === script.malformedAfterChunks && isText) res.write("data: {not json\r\n\r\n");
      const last = i === contents.length - 1;
      send({
        candidates: [{ content: { role: "model", parts: contents[i] }, index: 0, ...(last && !script.omitFinishReason ? { finishReason: script.finishReason ?? "STOP" } : {}) }],
        ...(last && usage ? { usageMetadata: { totalTokenCount: usage.promptTokenCount + usage.candidatesTokenCount + (usage.thoughtsTokenCount ?? 0), ...usage } } : {}),
        modelVersion: "gemini-test-001",
        responseId: "mock-response",
      });
      if (isText) textSent++;
      // Let each chunk leave in its own write, as a real upstream's tokens do.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (script.dropAfterChunks !== undefined && textSent <= script.dropAfterChunks) {
      res.destroy();
      return;
    }
    finished = true;
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  mock.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return mock;
}

function sendError(res: ServerResponse, status: number, googleStatus: string, message: string, retryAfter?: string): void {
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8", ...(retryAfter === undefined ? {} : { "retry-after": retryAfter }) });
  res.end(JSON.stringify({ error: { code: status, message, status: googleStatus } }));
}

function defaultUsage(body: Record<string, unknown>, chunks: number): MockGeminiUsage {
  const words = JSON.stringify(body.contents ?? []).match(/"text":"([^"]*)"/g)?.join(" ").split(/\s+/).length ?? 1;
  return { promptTokenCount: Math.max(1, words), candidatesTokenCount: Math.max(1, chunks) };
}
