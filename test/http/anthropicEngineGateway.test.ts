/**
 * An `anthropic` engine end to end: OpenAI clients of the gateway get OpenAI-shaped answers (whole and streamed)
 * from an upstream speaking Anthropic's Messages API, cache reads are metered at their own price, and an
 * overloaded Anthropic (529) reaches the client as a 503 with its Retry-After.
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { startMockAnthropicUpstream, type MockAnthropicUpstream } from "../support/mockAnthropicUpstream.js";
import { startGateway, type TestGateway } from "../support/startGateway.js";
import { parseSse, postJson } from "../support/readSse.js";
import { jsonOf } from "../support/apiTypes.js";
import { eventually } from "../support/eventually.js";
import type { UsageList } from "./usageTypes.js";

let mock: MockAnthropicUpstream;
let gateway: TestGateway;

before(async () => {
  mock = await startMockAnthropicUpstream();
  gateway = await startGateway({
    engines: [{ name: "claude", type: "anthropic", baseUrl: mock.url, apiKey: "sk-ant-test", models: ["claude-test"] }],
    // USD per million tokens: cache reads at a tenth of the input price.
    pricing: { "claude/claude-test": { input: 3, cachedInput: 0.3, output: 15 } },
  });
});
after(async () => {
  await gateway.stop();
  await mock.close();
});
beforeEach(() => mock.reset());

const ask = (body: Record<string, unknown>) =>
  postJson(`${gateway.url}/v1/chat/completions`, { model: "claude/claude-test", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "hi" }], ...body });

interface Completion {
  object: string;
  model: string;
  choices: Array<{ message: { role: string; content: string | null; refusal: null }; finish_reason: string }>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details?: { cached_tokens: number } };
}

test("a non-streaming call gets an OpenAI chat.completion, with usage that counts the cache and is priced by it", async () => {
  mock.script = () => ({ text: "Hello there.", usage: { input_tokens: 10, cache_read_input_tokens: 1000, output_tokens: 4 } });
  const response = await ask({ max_tokens: 50 });
  assert.equal(response.status, 200);
  const completion = (await response.json()) as Completion;
  assert.equal(completion.object, "chat.completion");
  assert.equal(completion.model, "claude/claude-test");
  assert.deepEqual(completion.choices[0]?.message, { role: "assistant", content: "Hello there.", refusal: null });
  assert.equal(completion.choices[0]?.finish_reason, "stop");
  assert.deepEqual(completion.usage, { prompt_tokens: 1010, completion_tokens: 4, total_tokens: 1014, prompt_tokens_details: { cached_tokens: 1000 } });

  const sent = mock.requests[0];
  assert.equal(sent?.headers["x-api-key"], "sk-ant-test");
  assert.equal(sent.body.model, "claude-test");
  assert.equal(sent.body.max_tokens, 50);
  assert.equal(sent.body.system, "Be brief.");

  const traceId = response.headers.get("x-trace-id");
  const row = await eventually(async () => {
    const usage = await jsonOf<UsageList>(fetch(`${gateway.url}/api/v2/usage?limit=100`));
    return usage.data.find((candidate) => candidate.traceId === traceId);
  }, 5000, "the ledger row");
  assert.equal(row.engine, "claude");
  assert.equal(row.inputTokens, 1010);
  assert.equal(row.cachedInputTokens, 1000);
  assert.equal(row.outputTokens, 4);
  // 10 × 3 + 1000 × 0.3 + 4 × 15 micro-dollars.
  assert.ok(Math.abs(row.costUsd - 390 / 1_000_000) < 1e-12, `cost ${row.costUsd}`);
});

test("a streaming call gets OpenAI chunks, usage and [DONE]", async () => {
  mock.script = () => ({ chunks: ["Hel", "lo ", "you."], usage: { input_tokens: 6, output_tokens: 3 } });
  const response = await ask({ stream: true, stream_options: { include_usage: true } });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
  const events = parseSse(await response.text());
  assert.equal(events.at(-1)?.data, "[DONE]");
  const chunks = events.slice(0, -1).map((event) => JSON.parse(event.data) as { object: string; choices: Array<{ delta: { content?: string }; finish_reason: string | null }>; usage?: Completion["usage"] | null });
  assert.ok(chunks.every((chunk) => chunk.object === "chat.completion.chunk"));
  assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join(""), "Hello you.");
  assert.ok(chunks.some((chunk) => chunk.choices[0]?.finish_reason === "stop"));
  const usage = chunks.find((chunk) => chunk.usage)?.usage;
  assert.equal(usage?.prompt_tokens, 6);
  assert.equal(usage.completion_tokens, 3);
  assert.equal(usage.total_tokens, 9);
  assert.equal(mock.requests[0]?.body.stream, true);
  assert.equal(mock.requests[0].body.max_tokens, 4096, "the engine's default max_tokens");
});

test("an overloaded Anthropic (529) is a 503 with its Retry-After for the client", async () => {
  mock.script = () => ({ status: 529, errorMessage: "Overloaded", retryAfter: "30" });
  const response = await ask({});
  assert.equal(response.status, 503);
  assert.equal(response.headers.get("retry-after"), "30");
  const body = (await response.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, "engine_overloaded");
  assert.equal(mock.requests.length, 1, "a Retry-After beyond retry.maxDelayMs is not waited for");
});
