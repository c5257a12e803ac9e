/**
 * What guardrail verdicts leave behind, through a real gateway: guardrail_verdicts_total{rule, action} at
 * /metrics (one per rule and stage of a request, a stream's windows counted as one), a `guardrail.verdict` event
 * on the request's span, and one log line per verdict that is not an allow, with the rule, action, stage, request
 * id and counts, and never the text.
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { eventually } from "../support/eventually.js";
import { bodyFor, post, stream } from "./guardrailClient.js";

const exporter = new InMemorySpanExporter();
let mock: MockUpstream;
let gateway: TestGateway;
const lines: Array<Record<string, unknown>> = [];
const raw: string[] = [];

before(async () => {
  mock = await startMockUpstream();
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(chunk.toString());
      for (const line of chunk.toString().split("\n")) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  gateway = await startGateway(
    {
      engines: [openAIEngine("vllm", mock.url)],
      rateLimits: { enabled: false },
      guardrails: {
        rules: [
          { name: "pii", kind: "pii" },
          { name: "no-codenames", kind: "denylist", words: ["falcon"], action: "refuse", stages: ["input"] },
        ],
        apply: ["pii", "no-codenames"],
      },
    },
    { logDestination: destination, logLevel: "info", telemetry: { spanProcessors: [new SimpleSpanProcessor(exporter)] } },
  );
});
after(async () => {
  await gateway.stop();
  await mock.close();
});
beforeEach(() => mock.reset());

async function verdicts(): Promise<Map<string, number>> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const match of text.matchAll(/^guardrail_verdicts_total\{rule="([^"]+)",action="([^"]+)"\} (\S+)$/gm)) counts.set(`${match[1]}/${match[2]}`, Number(match[3]));
  return counts;
}

function added(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of after) if (value !== (before.get(key) ?? 0)) out[key] = value - (before.get(key) ?? 0);
  return out;
}

test("metrics: each rule's verdict per stage is counted once, a stream's windows included", async () => {
  mock.script = () => ({ chunks: ["Reach ", "me at ", "ann@exa", "mple.com ", "or ", "at bob@example.org, ", ...Array.from({ length: 30 }, (_, i) => `w${i} `)] });
  let before = await verdicts();
  const streamed = await stream(gateway, "chat", "My address is carl@example.net", "vllm/mock-model");
  assert.equal(streamed.status, 200);
  assert.deepEqual(added(before, await verdicts()), { "pii/mask": 2, "no-codenames/allow": 1 }, "input mask, output mask: one each");

  before = await verdicts();
  const refused = await post(gateway, "chat", bodyFor("chat", "Is falcon on?", "vllm/mock-model", false));
  assert.equal(refused.status, 400);
  assert.deepEqual(added(before, await verdicts()), { "no-codenames/refuse": 1 });

  mock.script = () => ({ chunks: ["Nothing ", "to see."] });
  before = await verdicts();
  assert.equal((await post(gateway, "chat", bodyFor("chat", "Hello", "vllm/mock-model", false))).status, 200);
  assert.deepEqual(added(before, await verdicts()), { "pii/allow": 2, "no-codenames/allow": 1 });
});

test("logs: one line per verdict that is not an allow, with counts and ids, and never the text", async () => {
  mock.script = () => ({ chunks: ["Write to dana@example.com."] });
  const response = await post(gateway, "chat", bodyFor("chat", "Hello from eve@example.com", "vllm/mock-model", false));
  assert.equal(response.status, 200);
  const traceId = response.headers.get("x-trace-id");
  const verdictLines = await eventually(() => {
    const found = lines.filter((line) => line.msg === "guardrail verdict" && line.traceId === traceId);
    return found.length >= 2 ? found : undefined;
  }, 5000, "the request's verdict log lines");
  assert.deepEqual(
    verdictLines.map((line) => [line.guardrail, line.action, line.stage, line.matches]),
    [
      ["pii", "mask", "input", 1],
      ["pii", "mask", "output", 1],
    ],
  );
  assert.ok(verdictLines.every((line) => typeof line.requestId === "string" && line.requestId !== ""));
  assert.ok(!lines.some((line) => line.msg === "guardrail verdict" && line.action === "allow"), "allows are not logged");
  assert.ok(!raw.join("").includes("example.com"), "no address in any log line");
});

test("spans: each verdict is an event on the request's span", async () => {
  mock.script = () => ({ chunks: ["ok"] });
  exporter.reset();
  assert.equal((await post(gateway, "chat", bodyFor("chat", "Call +1 202 555 0173", "vllm/mock-model", false))).status, 200);
  const events = await eventually(() => {
    const found = exporter.getFinishedSpans().flatMap((span) => span.events.filter((event) => event.name === "guardrail.verdict"));
    return found.length >= 3 ? found : undefined;
  }, 5000, "the verdict span events");
  assert.deepEqual(
    events.map((event) => [event.attributes?.["switchyard.guardrail.rule"], event.attributes?.["switchyard.guardrail.stage"], event.attributes?.["switchyard.guardrail.action"]]),
    [
      ["pii", "input", "mask"],
      ["no-codenames", "input", "allow"],
      ["pii", "output", "allow"],
    ],
  );
});
