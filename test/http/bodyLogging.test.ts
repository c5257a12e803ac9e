/**
 * Body logging (requestLog.bodies) through a real gateway: every API over the chat-completion pipeline
 * (/v1/chat/completions, /v1/messages, /v1/responses; whole or streamed) logs the prompt as the pipeline saw it and
 * the answer the client got, found at once by the request detail (the body log is flushed first), scrubbed of a
 * configured secret and of key-shaped strings, cut to maxChars with `truncated`; a failed request keeps its
 * prompt; and a store that cannot take bodies fails no request.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { startGateway, type TestGateway } from "../support/startGateway.js";
import { parseSse } from "../support/readSse.js";
import { ADMIN_KEY, createKey, startAuthGateway } from "../auth/authGateway.js";
import { detailOf, get, post, usageRowOf, type RequestDetail } from "./requestDetailClient.js";

const UPSTREAM_KEY = "upstream-key-for-the-body-log-0123";
const PROVIDER_KEY = "sk-proj-abcdefghijklmnopqrstuvwx";
const MAX_CHARS = 600;

let mock: MockUpstream;
let gateway: TestGateway;
let alice: string;

/** The engine of startAuthGateway, with an upstream key (a configured secret the scrubber knows). */
const engines = (url: string) => [{ name: "vllm", type: "openai", baseUrl: url, models: ["mock-model"], apiKey: UPSTREAM_KEY, retry: { attempts: 0 } }];

before(async () => {
  mock = await startMockUpstream();
  gateway = await startAuthGateway(mock, { engines: engines(mock.url), requestLog: { bodies: true, maxChars: MAX_CHARS } });
  alice = (await createKey(gateway, { name: "alice", userId: "alice" })).key;
});
after(async () => {
  await gateway.stop();
  await mock.close();
});

/** The detail of the request `response` answered, read as its owner the moment the response ended. */
async function detailAfter(response: Response): Promise<RequestDetail> {
  const row = await usageRowOf(gateway, alice, response);
  return detailOf(gateway, alice, `/api/v2/requests/${row.requestId}`);
}

interface LoggedPrompt {
  model: string;
  messages: Array<{ role: string; content: string | null }>;
  tools?: Array<{ function: { name: string } }>;
  maxTokens?: number;
}

test("a whole answer: the prompt as the pipeline saw it and the answer, credentials masked in both", async () => {
  mock.script = () => ({ text: `Your key ${UPSTREAM_KEY} is safe with me` });
  const response = await post(gateway, alice, "/v1/chat/completions", {
    model: "vllm/mock-model",
    max_tokens: 50,
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: `My keys: ${UPSTREAM_KEY} and ${PROVIDER_KEY}. Bearer abcdefghijklmnop1234` },
    ],
  });
  assert.equal(response.status, 200);
  const detail = await detailAfter(response);
  assert.equal(detail.bodiesLogged, true);
  assert.equal(detail.request.status, "complete");
  assert.ok(detail.bodies);
  const prompt = detail.bodies.request as LoggedPrompt;
  assert.equal(prompt.model, "vllm/mock-model");
  assert.equal(prompt.maxTokens, 50);
  assert.deepEqual(prompt.messages, [
    { role: "system", content: "Be brief." },
    { role: "user", content: "My keys: [redacted] and sk-[redacted]. Bearer [redacted]" },
  ]);
  assert.equal(detail.bodies.answer, "Your key [redacted] is safe with me");
  assert.deepEqual(detail.bodies.toolCalls, []);
  assert.equal(detail.bodies.truncated, false);
  assert.ok(!JSON.stringify(detail).includes(UPSTREAM_KEY) && !JSON.stringify(detail).includes(PROVIDER_KEY));
  // The admin sees the same bodies.
  assert.deepEqual((await detailOf(gateway, ADMIN_KEY, `/api/v2/admin/requests/${detail.request.requestId}`)).bodies, detail.bodies);
});

test("a streamed answer is captured whole, across many parts", async () => {
  const chunks = Array.from({ length: 40 }, (_, i) => `w${i} `);
  mock.script = () => ({ chunks });
  const response = await post(gateway, alice, "/v1/chat/completions", {
    model: "vllm/mock-model",
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: "user", content: "count" }],
  });
  assert.equal(response.status, 200);
  const text = await response.clone().text();
  assert.equal(parseSse(text).at(-1)?.data, "[DONE]");
  const detail = await detailAfter(response);
  assert.equal(detail.bodies?.answer, chunks.join(""));
  assert.equal(detail.bodies?.truncated, false);
});

test("tool calls are kept with the answer, with the tools the prompt offered", async () => {
  mock.script = () => ({ toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' }] });
  const response = await post(gateway, alice, "/v1/chat/completions", {
    model: "vllm/mock-model",
    stream: true,
    tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }],
    messages: [{ role: "user", content: "Weather in Paris?" }],
  });
  assert.equal(response.status, 200);
  const detail = await detailAfter(response);
  assert.deepEqual(detail.bodies?.toolCalls, [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }]);
  assert.equal((detail.bodies?.request as LoggedPrompt).tools?.[0]?.function.name, "get_weather");
});

test("/v1/messages and /v1/responses go through the same pipeline, so their bodies are logged too", async () => {
  mock.script = () => ({ chunks: ["from ", "anthropic ", "wire"] });
  const messages = await fetch(`${gateway.url}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": alice, "content-type": "application/json" },
    body: JSON.stringify({ model: "vllm/mock-model", max_tokens: 20, stream: true, system: "Be kind.", messages: [{ role: "user", content: "hello" }] }),
  });
  assert.equal(messages.status, 200, await messages.clone().text());
  const viaMessages = await detailAfter(messages);
  assert.deepEqual((viaMessages.bodies?.request as LoggedPrompt).messages, [
    { role: "system", content: "Be kind." },
    { role: "user", content: "hello" },
  ]);
  assert.equal(viaMessages.bodies?.answer, "from anthropic wire");

  mock.script = () => ({ text: "from the responses wire" });
  const responses = await post(gateway, alice, "/v1/responses", { model: "vllm/mock-model", instructions: "Be short.", input: "hi there" });
  assert.equal(responses.status, 200, await responses.clone().text());
  const viaResponses = await detailAfter(responses);
  assert.equal(viaResponses.bodies?.answer, "from the responses wire");
  assert.deepEqual((viaResponses.bodies?.request as LoggedPrompt).messages.at(-1), { role: "user", content: "hi there" });
});

test("a prompt and an answer longer than maxChars are cut, and say so", async () => {
  const answer = "b".repeat(2000);
  mock.script = () => ({ chunks: [answer.slice(0, 1000), answer.slice(1000)] });
  const response = await post(gateway, alice, "/v1/chat/completions", { model: "vllm/mock-model", stream: true, messages: [{ role: "user", content: "a".repeat(5000) }] });
  assert.equal(response.status, 200);
  const detail = await detailAfter(response);
  assert.equal(detail.bodies?.truncated, true);
  // Cut JSON is no longer JSON: the request is the text that was kept.
  assert.equal(typeof detail.bodies?.request, "string");
  assert.equal((detail.bodies?.request as string).length, MAX_CHARS);
  assert.ok((detail.bodies?.request as string).startsWith('{"model":"vllm/mock-model","messages":[{"role":"user","content":"aaa'));
  assert.equal(detail.bodies?.answer, "b".repeat(MAX_CHARS));
});

test("a failed request keeps its prompt, with an empty answer", async () => {
  mock.script = () => ({ status: 503, errorMessage: "overloaded" });
  const response = await post(gateway, alice, "/v1/chat/completions", { model: "vllm/mock-model", messages: [{ role: "user", content: "are you there?" }] });
  assert.equal(response.status, 502);
  const detail = await detailAfter(response);
  assert.equal(detail.request.status, "failed");
  assert.equal((detail.bodies?.request as LoggedPrompt).messages[0]?.content, "are you there?");
  assert.equal(detail.bodies?.answer, "");
});

test("a store that cannot take bodies fails no request: the bodies are dropped with a warning", async () => {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const upstream = await startMockUpstream();
  const broken = await startGateway(
    { engines: engines(upstream.url), rateLimits: { enabled: false }, auth: { mode: "keys", adminKey: ADMIN_KEY }, requestLog: { bodies: true } },
    { logDestination: destination, logLevel: "warn" },
  );
  try {
    // Another connection takes the table away under the running gateway.
    const raw = new BetterSqlite3(join(broken.dataDir, "switchyard.db"));
    raw.exec("drop table request_bodies");
    raw.close();
    const key = (await createKey(broken, { name: "dave", userId: "dave" })).key;
    const response = await post(broken, key, "/v1/chat/completions", { model: "vllm/mock-model", messages: [{ role: "user", content: "hi" }] });
    assert.equal(response.status, 200, "the request is served");
    const row = await usageRowOf(broken, key, response);
    // Reading bodies now fails too: that is the detail's own answer (503), not the request's.
    const detail = await get(broken, key, `/api/v2/requests/${row.requestId}`);
    assert.equal(detail.status, 503);
    await detail.arrayBuffer();
    const warning = lines.find((line) => line.msg === "request body log: writing failed; the bodies were dropped");
    assert.equal(warning?.droppedBodies, 1);
  } finally {
    await broken.stop();
    await upstream.close();
  }
});
