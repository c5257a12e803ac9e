/**
 * OpenTelemetry spans through a real gateway, captured by an in-memory exporter: the server span continues the
 * caller's traceparent, the engine call is a CLIENT span with the GenAI attributes whose id is the parent the
 * upstream sees, store queries are spans of the same trace, and failures mark their spans.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { startGateway, type TestGateway } from "../support/startGateway.js";
import { eventually } from "../support/eventually.js";
import { parseSse } from "../support/readSse.js";

const exporter = new InMemorySpanExporter();
let upstream: MockUpstream;
let failing: MockUpstream;
let gateway: TestGateway;

before(async () => {
  upstream = await startMockUpstream();
  upstream.script = () => ({ text: "hello there", usage: { prompt_tokens: 5, completion_tokens: 7 } });
  failing = await startMockUpstream();
  failing.script = () => ({ status: 500, errorMessage: "boom" });
  const policy = { retry: { attempts: 0 } };
  gateway = await startGateway(
    {
      engines: [
        { name: "good", type: "openai", baseUrl: upstream.url, models: ["m"], embeddingModels: ["e"], ...policy },
        { name: "bad", type: "openai", baseUrl: failing.url, models: ["m"], ...policy },
      ],
    },
    { telemetry: { spanProcessors: [new SimpleSpanProcessor(exporter)] } },
  );
});
after(async () => {
  await gateway?.stop();
  await upstream?.close();
  await failing?.close();
});

const traceId = "0af7651916cd43dd8448eb211c80319c";
const spansOf = (id: string): ReadableSpan[] => exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === id);
const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

test("an OpenAI request: server span continues the traceparent, the engine span carries the GenAI attributes", async () => {
  upstream.requests = [];
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    body: JSON.stringify({ model: "good/m", max_tokens: 50, temperature: 0.2, messages: [{ role: "user", content: "hi" }] }),
  });
  assert.equal(response.status, 200);
  await response.json();
  const spans = await eventually(() => {
    const found = spansOf(traceId);
    return found.some((span) => span.name === "chat m") && found.some((span) => span.kind === SpanKind.SERVER) ? found : undefined;
  }, 3000, "the request's spans");

  const server = spans.find((span) => span.kind === SpanKind.SERVER);
  assert.ok(server);
  assert.equal(parentOf(server), "b7ad6b7169203331", "the caller's span is the server span's parent");
  assert.equal(server.attributes["http.route"], "/v1/chat/completions");

  const engine = spans.find((span) => span.name === "chat m");
  assert.ok(engine);
  assert.equal(engine.kind, SpanKind.CLIENT);
  assert.equal(engine.attributes["gen_ai.system"], "openai");
  assert.equal(engine.attributes["gen_ai.operation.name"], "chat");
  assert.equal(engine.attributes["gen_ai.request.model"], "m");
  assert.equal(engine.attributes["gen_ai.request.max_tokens"], 50);
  assert.equal(engine.attributes["gen_ai.request.temperature"], 0.2);
  assert.equal(engine.attributes["gen_ai.usage.input_tokens"], 5);
  assert.equal(engine.attributes["gen_ai.usage.output_tokens"], 7);
  assert.deepEqual(engine.attributes["gen_ai.response.finish_reasons"], ["stop"]);
  assert.equal(typeof engine.attributes["gen_ai.server.time_to_first_token"], "number");
  assert.equal(engine.status.code, SpanStatusCode.OK);
  // The engine span hangs under the request, and is the parent the upstream was told about.
  const ids = new Set(spans.map((span) => span.spanContext().spanId));
  assert.ok(ids.has(parentOf(engine) ?? ""), "the engine span's parent is one of the request's spans");
  assert.equal(String(upstream.requests.at(-1)?.headers.traceparent), `00-${traceId}-${engine.spanContext().spanId}-01`);
});

test("an embeddings request: a CLIENT span `embeddings <model>` with gen_ai.operation.name embeddings, its parent sent upstream", async () => {
  const embedTrace = "1bf7651916cd43dd8448eb211c80319d";
  upstream.requests = [];
  const response = await fetch(`${gateway.url}/v1/embeddings`, {
    method: "POST",
    headers: { "content-type": "application/json", traceparent: `00-${embedTrace}-b7ad6b7169203331-01` },
    body: JSON.stringify({ model: "good/e", input: ["one two", "three"] }),
  });
  assert.equal(response.status, 200);
  await response.json();
  const span = await eventually(() => spansOf(embedTrace).find((found) => found.name === "embeddings e"), 3000, "the embeddings span");
  assert.equal(span.kind, SpanKind.CLIENT);
  assert.equal(span.attributes["gen_ai.operation.name"], "embeddings");
  assert.equal(span.attributes["gen_ai.system"], "openai");
  assert.equal(span.attributes["gen_ai.request.model"], "e");
  assert.equal(span.attributes["gen_ai.usage.input_tokens"], 3);
  assert.equal(span.attributes["gen_ai.embeddings.dimension.count"], 8);
  assert.equal(span.status.code, SpanStatusCode.OK);
  assert.equal(upstream.requests[0]?.headers.traceparent, `00-${embedTrace}-${span.spanContext().spanId}-01`);
});

test("a failing engine marks its span with the error", async () => {
  const failedTrace = "1af7651916cd43dd8448eb211c80319c";
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", traceparent: `00-${failedTrace}-b7ad6b7169203331-01` },
    body: JSON.stringify({ model: "bad/m", messages: [{ role: "user", content: "hi" }] }),
  });
  assert.ok(response.status >= 500);
  await response.text();
  const engine = await eventually(() => spansOf(failedTrace).find((span) => span.name === "chat m"), 3000, "the failed engine span");
  assert.equal(engine.status.code, SpanStatusCode.ERROR);
  assert.equal(engine.attributes["error.type"], "upstream_error");
});

test("a session turn: store queries are spans of the request's trace", async () => {
  const sessionTrace = "2af7651916cd43dd8448eb211c80319c";
  const response = await fetch(`${gateway.url}/api/v2/chat/stream`, {
    method: "POST",
    headers: { "content-type": "application/json", traceparent: `00-${sessionTrace}-b7ad6b7169203331-01` },
    body: JSON.stringify({ message: "hello", engine: "good" }),
  });
  assert.equal(response.status, 200);
  assert.ok(parseSse(await response.text()).some((event) => event.event === "done"));
  const spans = await eventually(() => {
    const found = spansOf(sessionTrace);
    return found.some((span) => span.attributes["db.system.name"] === "sqlite" && span.attributes["db.operation.name"] === "INSERT") ? found : undefined;
  }, 3000, "store spans");
  const store = spans.filter((span) => span.attributes["db.system.name"] === "sqlite");
  assert.ok(store.every((span) => span.kind === SpanKind.CLIENT));
  assert.ok(store.every((span) => typeof span.attributes["db.query.text"] === "string" && !String(span.attributes["db.query.text"]).includes("hello")), "SQL text without values");
  assert.ok(spans.some((span) => span.name === "chat m"));
});

test("health probes and scrapes make no spans", async () => {
  const probeTrace = "3af7651916cd43dd8448eb211c80319c";
  const response = await fetch(`${gateway.url}/health/live`, { headers: { traceparent: `00-${probeTrace}-b7ad6b7169203331-01` } });
  assert.equal(response.status, 200);
  await response.text();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(spansOf(probeTrace).length, 0);
});
