/**
 * `upstreamStreaming: client` end to end: a non-streaming client's call asks the upstream for the whole answer
 * (no stream to parse), is bounded by the total timeout only, and records no time to first token; a streaming
 * client's call still streams and still falls back on a late first token.
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { startGateway, type TestGateway } from "../support/startGateway.js";
import { parseSse, postJson } from "../support/readSse.js";
import { jsonOf } from "../support/apiTypes.js";
import { eventually } from "../support/eventually.js";
import type { UsageList } from "./usageTypes.js";

let primary: MockUpstream;
let backup: MockUpstream;
let gateway: TestGateway;

before(async () => {
  primary = await startMockUpstream();
  backup = await startMockUpstream();
  const policy = { retry: { attempts: 0 }, timeouts: { ttftMs: 150, totalMs: 1000 } };
  gateway = await startGateway({
    engines: [
      { name: "primary", type: "openai", baseUrl: primary.url, models: ["m"], upstreamStreaming: "client", ...policy },
      { name: "backup", type: "openai", baseUrl: backup.url, models: ["m"], ...policy },
    ],
    routes: [{ name: "m", targets: ["primary/m", "backup/m"] }],
    metrics: { enabled: true },
  });
});
after(async () => {
  await gateway.stop();
  await primary.close();
  await backup.close();
});
beforeEach(() => {
  primary.reset();
  backup.reset();
});

const ask = (body: Record<string, unknown>) => postJson(`${gateway.url}/v1/chat/completions`, { model: "m", messages: [{ role: "user", content: "hi" }], ...body });

test("a non-streaming client gets the upstream's whole answer, asked for without a stream, past the TTFT limit", async () => {
  // Slower than ttftMs: a streamed call would have fallen back to the backup.
  primary.script = () => ({ text: "whole and late", headersDelayMs: 400, usage: { prompt_tokens: 3, completion_tokens: 4 } });
  const response = await ask({});
  assert.equal(response.status, 200);
  const completion = (await response.json()) as { model: string; choices: Array<{ message: { content: string } }>; usage: { total_tokens: number } };
  assert.equal(completion.model, "primary/m");
  assert.equal(completion.choices[0]?.message.content, "whole and late");
  assert.equal(completion.usage.total_tokens, 7);
  assert.equal(primary.requests[0]?.body.stream, false);
  assert.equal(backup.requests.length, 0);

  const traceId = response.headers.get("x-trace-id");
  const row = await eventually(async () => {
    const usage = await jsonOf<UsageList>(fetch(`${gateway.url}/api/v2/usage?limit=100`));
    return usage.data.find((candidate) => candidate.traceId === traceId);
  }, 5000, "the ledger row");
  assert.equal(row.status, "complete");
  assert.equal(row.outputTokens, 4);
  assert.equal(row.ttftMs, null, "a whole answer has no first token of its own");
  const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
  assert.doesNotMatch(metrics, /llm_engine_ttft_seconds_count\{engine="primary"/);
});

test("a streaming client's call on the same engine still streams and falls back on a late first token", async () => {
  primary.script = () => ({ text: "too late", headersDelayMs: 400 });
  backup.script = () => ({ text: "backup in time" });
  const response = await ask({ stream: true });
  assert.equal(response.status, 200);
  const events = parseSse(await response.text());
  const text = events
    .filter((event) => event.data !== "[DONE]")
    .map((event) => (JSON.parse(event.data) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? "")
    .join("");
  assert.equal(text, "backup in time");
  assert.equal(primary.requests[0]?.body.stream, true);
});

test("a whole answer that outlasts totalMs fails over like any timeout", async () => {
  primary.script = () => ({ hang: true });
  backup.script = () => ({ text: "backup answered" });
  const started = performance.now();
  const response = await ask({});
  assert.equal(response.status, 200);
  const completion = (await response.json()) as { model: string };
  assert.equal(completion.model, "backup/m");
  assert.ok(performance.now() - started >= 950, "the TTFT limit did not cut the whole answer short");
  assert.equal(backup.requests[0]?.body.stream, true, "the backup (upstreamStreaming always) still streams");
});
