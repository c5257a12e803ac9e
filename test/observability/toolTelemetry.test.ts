/**
 * How tool calls show in spans and metrics, through a real gateway with an in-memory span exporter: a span per
 * call (`execute_tool <name>`) in the request's trace with its outcome, the tool metrics by tool and status, and
 * a turn of several engine calls counted once as a chat stream. A client that leaves while a tool runs cancels
 * it, and the turn is stored as incomplete.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { eventually } from "../support/eventually.js";
import { postJson, readSse, readSseUntil } from "../support/readSse.js";
import { jsonOf, type MessageView, type Page } from "../support/apiTypes.js";
import { startToolServer, type ToolServer } from "../support/startToolServer.js";
import { toolConversation } from "../support/toolConversation.js";

const exporter = new InMemorySpanExporter();
let mock: MockUpstream;
let tools: ToolServer;
let gateway: TestGateway;

const parameters = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };

before(async () => {
  mock = await startMockUpstream();
  tools = await startToolServer();
  gateway = await startGateway(
    {
      engines: [openAIEngine("vllm", mock.url)],
      tools: {
        builtins: [],
        http: [
          { name: "weather", description: "Weather", parameters, url: `${tools.url}/weather` },
          { name: "hanging", description: "Never answers", parameters, url: `${tools.url}/hang`, timeoutMs: 200 },
          { name: "stalled", description: "Never answers, slowly", parameters, url: `${tools.url}/hang`, timeoutMs: 60_000 },
        ],
      },
    },
    { telemetry: { spanProcessors: [new SimpleSpanProcessor(exporter)] } },
  );
});
after(async () => {
  await gateway?.stop();
  await mock?.close();
  await tools?.close();
});

function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]] as const));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";

test("each tool call is a span in the request's trace and counts in the tool metrics; the turn counts once", async () => {
  const calls = [
    { id: "call_1", name: "weather", arguments: '{"city":"Oslo"}' },
    { id: "call_2", name: "hanging", arguments: '{"city":"Oslo"}' },
    { id: "call_3", name: "invented_by_the_model", arguments: "{}" },
  ];
  mock.script = toolConversation(calls, () => ({ text: "Summary." }));
  const response = await postJson(`${gateway.url}/api/v2/chat/stream`, { message: "Go", tools: true }, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
  assert.equal(response.status, 200);
  const events = await readSse(response);
  assert.equal(events.at(-1)?.event, "done");

  const spans = await eventually(() => {
    const found = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    return found.filter((span) => span.name.startsWith("execute_tool")).length === 3 && found.filter((span) => span.name === "chat mock-model").length === 2
      ? found
      : undefined;
  }, 3000, "the turn's spans");
  const byName = (name: string) => spans.find((span) => span.name === name) as ReadableSpan;
  const weather = byName("execute_tool weather");
  assert.equal(weather.kind, SpanKind.INTERNAL);
  assert.equal(weather.attributes["gen_ai.operation.name"], "execute_tool");
  assert.equal(weather.attributes["gen_ai.tool.name"], "weather");
  assert.equal(weather.attributes["gen_ai.tool.call.id"], "call_1");
  assert.equal(weather.attributes["switchyard.tool.outcome"], "ok");
  assert.equal(weather.status.code, SpanStatusCode.OK);
  const hanging = byName("execute_tool hanging");
  assert.equal(hanging.attributes["switchyard.tool.outcome"], "timeout");
  assert.equal(hanging.attributes["error.type"], "timeout");
  assert.equal(hanging.status.code, SpanStatusCode.ERROR);
  const unknown = byName("execute_tool unknown");
  assert.equal(unknown.attributes["gen_ai.tool.name"], "unknown", "a made-up name is not a label or attribute value");
  assert.equal(unknown.status.code, SpanStatusCode.ERROR);
  const ids = new Set(spans.map((span) => span.spanContext().spanId));
  for (const span of [weather, hanging, unknown]) assert.ok(ids.has(span.parentSpanContext?.spanId ?? ""), `${span.name} hangs under the request`);

  const text = await eventually(async () => {
    const body = await (await fetch(`${gateway.url}/metrics`)).text();
    return sample(body, "chat_stream_completed_total") === 1 ? body : undefined;
  }, 3000, "the turn to settle");
  assert.equal(sample(text, "tool_executions_total", { tool: "weather", status: "ok" }), 1);
  assert.equal(sample(text, "tool_executions_total", { tool: "hanging", status: "timeout" }), 1);
  assert.equal(sample(text, "tool_executions_total", { tool: "unknown", status: "error" }), 1);
  assert.equal(sample(text, "tool_duration_seconds_count", { tool: "weather" }), 1);
  assert.ok((sample(text, "tool_duration_seconds_sum", { tool: "hanging" }) ?? 0) >= 0.19);
  assert.equal(sample(text, "chat_stream_started_total"), 1, "one turn, though two engine calls");
  assert.equal(sample(text, "llm_engine_requests_total", { engine: "vllm", model: "mock-model", status: "ok" }), 2);
  assert.equal(sample(text, "chat_streams_concurrent"), 0);
});

test("a client that leaves while a tool runs cancels it; the turn is stored as incomplete", async () => {
  mock.reset();
  const abandoned = tools.abandoned;
  mock.script = toolConversation([{ id: "call_s", name: "stalled", arguments: '{"city":"Oslo"}' }], () => ({ text: "never" }));
  const response = await postJson(`${gateway.url}/api/v2/chat/stream`, { message: "Wait for it", tools: ["stalled"] });
  const { events, reader } = await readSseUntil(response, (event) => event.event === "meta");
  const sessionId = (JSON.parse(events[0]?.data ?? "{}") as { sessionId: string }).sessionId;
  // The tool server holds the call; then the client goes away.
  await eventually(() => tools.requests.some((r) => r.path === "/hang" && r.body.includes("Oslo")), 3000, "the tool call");
  await reader.cancel();
  await eventually(() => tools.abandoned > abandoned, 3000, "the tool's request to be cancelled");

  const stored = await eventually(async () => {
    const page = await jsonOf<Page<MessageView & { toolCalls: unknown[] | null }>>(fetch(`${gateway.url}/api/v2/chat/sessions/${sessionId}/messages`));
    return page.data.length === 2 && page.data[1]?.status === "incomplete" ? page.data : undefined;
  }, 3000, "the turn to be stored");
  assert.equal(stored[1]?.toolCalls?.length, 1, "what the model asked for is kept");
  const text = await eventually(async () => {
    const body = await (await fetch(`${gateway.url}/metrics`)).text();
    return sample(body, "tool_executions_total", { tool: "stalled", status: "cancelled" }) === 1 ? body : undefined;
  }, 3000, "the cancelled call in the metrics");
  assert.equal(sample(text, "chat_streams_concurrent"), 0);
  assert.equal(mock.requests.length, 1, "no engine call after the client left");
});
