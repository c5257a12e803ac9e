/**
 * Logs and trace ids end to end: a trace id sent in arrives in the log lines of the request (with requestId,
 * userId and sessionId), in the response header, in the error body, in the SSE meta event and in the upstream
 * request's traceparent; each request gets one access line.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { startGateway, type TestGateway } from "../support/startGateway.js";
import { parseSse } from "../support/readSse.js";

const adminKey = "sy-admin-bootstrap-key-0123456789abcdef";
let mock: MockUpstream;
let gateway: TestGateway;
let lines: Array<Record<string, unknown>> = [];

before(async () => {
  mock = await startMockUpstream();
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  gateway = await startGateway(
    {
      engines: [{ name: "up", type: "openai", baseUrl: mock.url, models: ["m"], retry: { attempts: 0 } }],
      auth: { mode: "keys", adminKey },
    },
    { logDestination: destination, logLevel: "debug" },
  );
});
after(async () => {
  await gateway.stop();
  await mock.close();
});

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
const linesOf = (id: string) => lines.filter((line) => line.traceId === id);
const accessLine = (id: string) => linesOf(id).find((line) => line.msg === "request completed");

test("a W3C traceparent's trace id reaches the response, every log line of the request and the upstream", async () => {
  lines = [];
  mock.requests = [];
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json", traceparent },
    body: JSON.stringify({ model: "up/m", messages: [{ role: "user", content: "hi" }] }),
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("x-trace-id"), traceId);
  const upstreamParent = String(mock.requests.at(-1)?.headers.traceparent);
  assert.match(upstreamParent, new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

  const access = accessLine(traceId);
  assert.ok(access, `no access line among ${JSON.stringify(lines)}`);
  assert.equal(access.route, "/v1/chat/completions");
  assert.equal(access.method, "POST");
  assert.equal(access.status, 200);
  assert.equal(typeof access.durationMs, "number");
  assert.ok(Number(access.bytes) > 0, "bytes of the JSON body");
  assert.equal(access.userId, "admin");
  assert.match(String(access.requestId), /^[0-9a-f-]{36}$/);
  // Every line written while the request ran carries the ids, not just the access line.
  const during = linesOf(traceId);
  assert.ok(during.length >= 2, `lines of the request: ${JSON.stringify(during)}`);
  for (const line of during) assert.equal(line.requestId, access.requestId);
  // Exactly one access line per request (no Fastify "incoming request" pair).
  assert.equal(during.filter((line) => line.msg === "request completed").length, 1);
  assert.equal(lines.filter((line) => line.msg === "incoming request").length, 0);
});

test("X-Correlation-ID is taken as the trace id and comes back in the error body", async () => {
  lines = [];
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json", "x-correlation-id": "order-42" },
    body: JSON.stringify({ model: "nope/none", messages: [{ role: "user", content: "hi" }] }),
  });
  assert.equal(response.status, 404);
  assert.equal(response.headers.get("x-trace-id"), "order-42");
  const body = (await response.json()) as { error: { trace_id?: string; traceId?: string } };
  assert.equal(body.error.trace_id ?? body.error.traceId, "order-42");
  const access = accessLine("order-42");
  assert.equal(access?.status, 404);
  assert.equal(access?.level, 30, "client errors are logged at info");
});

test("a refused request (no key) still gets an access line and a generated trace id", async () => {
  lines = [];
  const response = await fetch(`${gateway.url}/api/v2/chat/sessions`);
  assert.equal(response.status, 401);
  const generated = response.headers.get("x-trace-id") ?? "";
  assert.match(generated, /^[0-9a-f]{32}$/);
  assert.equal(accessLine(generated)?.status, 401);
});

test("session chat: the SSE meta event and the log lines carry the trace id and the new session's id", async () => {
  lines = [];
  const response = await fetch(`${gateway.url}/api/v2/chat/stream`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json", "x-trace-id": "session-trace-1" },
    body: JSON.stringify({ message: "hello", engine: "up" }),
  });
  assert.equal(response.status, 200);
  const events = parseSse(await response.text());
  const meta = events.find((event) => event.event === "meta");
  const data = JSON.parse(meta?.data ?? "{}") as { traceId?: string; sessionId?: string };
  assert.equal(data.traceId, "session-trace-1");
  assert.ok(data.sessionId);
  const access = accessLine("session-trace-1");
  assert.equal(access?.sessionId, data.sessionId);
  assert.equal(access?.route, "/api/v2/chat/stream");
  assert.ok(Number(access?.bytes) > 0, "bytes streamed are counted");

  // A later request on the session's path names it too.
  const listed = await fetch(`${gateway.url}/api/v2/chat/sessions/${data.sessionId}/messages`, {
    headers: { authorization: `Bearer ${adminKey}`, "x-trace-id": "session-trace-2" },
  });
  assert.equal(listed.status, 200);
  assert.equal(accessLine("session-trace-2")?.sessionId, data.sessionId);
});

test("health probes are logged at debug, not info", async () => {
  lines = [];
  const response = await fetch(`${gateway.url}/health/live`, { headers: { "x-trace-id": "probe-1" } });
  assert.equal(response.status, 200);
  assert.equal(accessLine("probe-1")?.level, 20);
});
