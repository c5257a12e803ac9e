/**
 * Amazon Bedrock Runtime's ConverseStream on loopback: a real node:http server answering
 * `POST /model/{modelId}/converse-stream` with binary event-stream frames (encoded by the codec the AWS SDK itself
 * decodes with), JSON errors with `x-amzn-errortype`, in-band exception frames, cuts and malformed frames.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { EventStreamCodec, type MessageHeaders } from "@smithy/core/event-streams";
import type { UpstreamFaults } from "./engineContract.js";

const codec = new EventStreamCodec(
  (bytes: Uint8Array) => new TextDecoder().decode(bytes),
  (text: string) => new TextEncoder().encode(text),
);

export type MockBedrockFrame =
  | { event: string; payload: Record<string, unknown> }
  /** An in-band exception (`:message-type: exception`). */
  | { exception: string; message: string }
  /** An event frame whose payload is not JSON. */
  | { malformed: true };

export type MockBedrockReply =
  | {
      frames: MockBedrockFrame[];
      /** Destroy the socket after the frames instead of ending the response. */
      cut?: boolean;
      /** Keep the response open after the frames, until the client goes away. */
      hold?: boolean;
    }
  | { status: number; errorType: string; message: string; headers?: Record<string, string> };

export interface RecordedBedrockRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** Settles when the connection of this call closes (ended by us or by the client). */
  closed: Promise<void>;
}

export interface MockBedrockUpstream {
  /** `http://127.0.0.1:port`, for the engine's `endpoint`. */
  origin: string;
  requests: RecordedBedrockRequest[];
  /** What every call gets unless `next` queued something. */
  script: (request: RecordedBedrockRequest) => MockBedrockReply;
  /** Replies for the next calls, in order, before `script` takes over again. */
  next(...replies: MockBedrockReply[]): void;
  faults: UpstreamFaults;
  close(): Promise<void>;
}

export interface MockTextOptions {
  stopReason?: string;
  usage?: Record<string, number>;
}

/** A complete answer streaming `text` in word-sized pieces. */
export function textFrames(text = "Hello from the mock Bedrock, streamed in pieces.", options: MockTextOptions = {}): MockBedrockFrame[] {
  const pieces = text.match(/\S+\s*/g) ?? [text];
  return [
    { event: "messageStart", payload: { role: "assistant" } },
    ...pieces.map((piece) => ({ event: "contentBlockDelta", payload: { contentBlockIndex: 0, delta: { text: piece } } })),
    { event: "contentBlockStop", payload: { contentBlockIndex: 0 } },
    ...endFrames(options.stopReason ?? "end_turn", options.usage ?? { inputTokens: 12, outputTokens: pieces.length, totalTokens: 12 + pieces.length }),
  ];
}

export function endFrames(stopReason: string, usage: Record<string, number>): MockBedrockFrame[] {
  return [
    { event: "messageStop", payload: { stopReason } },
    { event: "metadata", payload: { usage, metrics: { latencyMs: 5 } } },
  ];
}

/** The first frames of an answer: some text and no end. */
export function someTextFrames(): MockBedrockFrame[] {
  return textFrames("Hello there, partial", {}).slice(0, 3);
}

export function encodeFrame(frame: MockBedrockFrame): Uint8Array {
  const text = (value: string) => ({ type: "string" as const, value });
  if ("exception" in frame) {
    const headers: MessageHeaders = { ":message-type": text("exception"), ":exception-type": text(frame.exception), ":content-type": text("application/json") };
    return codec.encode({ headers, body: new TextEncoder().encode(JSON.stringify({ message: frame.message })) });
  }
  const headers: MessageHeaders = { ":message-type": text("event"), ":event-type": text("malformed" in frame ? "contentBlockDelta" : frame.event), ":content-type": text("application/json") };
  const body = "malformed" in frame ? '{"delta":{"text":"oops"' : JSON.stringify(frame.payload);
  return codec.encode({ headers, body: new TextEncoder().encode(body) });
}

export async function startMockBedrockUpstream(): Promise<MockBedrockUpstream> {
  const queued: MockBedrockReply[] = [];
  const sockets = new Set<Socket>();
  const mock: MockBedrockUpstream = {
    origin: "",
    requests: [],
    script: () => ({ frames: textFrames() }),
    next: (...replies) => void queued.push(...replies),
    faults: {
      rateLimited: (retryAfterSeconds) =>
        void queued.push({ status: 429, errorType: "ThrottlingException", message: "Too many requests, please wait before trying again.", headers: { "retry-after": String(retryAfterSeconds) } }),
      cutAfterText: () => void queued.push({ frames: someTextFrames(), cut: true }),
      malformedAfterText: () => void queued.push({ frames: [...someTextFrames(), { malformed: true }] }),
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // Recorded as text: the test that sent it will say what is wrong.
      }
      const recorded: RecordedBedrockRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body,
        closed: new Promise((resolve) => res.once("close", () => resolve())),
      };
      mock.requests.push(recorded);
      if (req.method !== "POST" || !/^\/model\/[^/]+\/converse-stream$/.test(recorded.path)) {
        answerError(res, { status: 404, errorType: "UnknownOperationException", message: `no operation at ${recorded.path}` });
        return;
      }
      answer(res, queued.shift() ?? mock.script(recorded));
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  mock.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return mock;
}

function answer(res: ServerResponse, reply: MockBedrockReply): void {
  if ("status" in reply) {
    answerError(res, reply);
    return;
  }
  res.writeHead(200, { "content-type": "application/vnd.amazon.eventstream", "x-amzn-requestid": "mock-request" });
  for (const frame of reply.frames) res.write(encodeFrame(frame));
  if (reply.cut === true) {
    // After the frames are on the wire, so the client sees the text, then the cut.
    res.write("", () => res.socket?.destroy());
    return;
  }
  if (reply.hold !== true) res.end();
}

function answerError(res: ServerResponse, reply: { status: number; errorType: string; message: string; headers?: Record<string, string> }): void {
  res.writeHead(reply.status, { "content-type": "application/json", "x-amzn-errortype": reply.errorType, ...reply.headers });
  res.end(JSON.stringify({ message: reply.message }));
}
