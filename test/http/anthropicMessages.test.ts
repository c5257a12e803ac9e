/**
 * Anthropic's Messages API in front of an OpenAI-compatible engine, through the official `@anthropic-ai/sdk`
 * client and on the raw wire: text, streams (event order exactly), tool use round trips, count_tokens, and
 * errors in Anthropic's envelope, with API keys sent as `x-api-key`.
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { parseSse, postJson } from "../support/readSse.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";

const adminKey = "admin-key-for-anthropic-tests-0123456789";
let mock: MockUpstream;
let gateway: TestGateway;
let userKey: string;
let client: Anthropic;

before(async () => {
  mock = await startMockUpstream();
  gateway = await startGateway({ engines: [openAIEngine("vllm", mock.url, ["mock-model", "other-model"])], auth: { mode: "keys", adminKey } });
  const created = await postJson(`${gateway.url}/api/v2/admin/keys`, { name: "claude-client", userId: "ada" }, { authorization: `Bearer ${adminKey}` });
  assert.equal(created.status, 201);
  userKey = ((await created.json()) as { key: string }).key;
  client = new Anthropic({ baseURL: gateway.url, apiKey: userKey, maxRetries: 0 });
});
after(async () => {
  await gateway.stop();
  await mock.close();
});
beforeEach(() => mock.reset());

const scripted = { text: "The quick brown fox jumps over the lazy dog.", finishReason: "length", usage: { prompt_tokens: 17, completion_tokens: 9 } };
const weatherTool = {
  name: "get_weather",
  description: "The weather in a city",
  input_schema: { type: "object" as const, properties: { city: { type: "string" } }, required: ["city"] },
};

test("non-streaming: the message carries the upstream's text, stop reason and usage; the request arrives translated", async () => {
  mock.script = () => scripted;
  const message = await client.messages.create({
    model: "vllm/mock-model",
    max_tokens: 100,
    system: "Be brief.",
    stop_sequences: ["\n\n"],
    metadata: { user_id: "end-user-7" },
    messages: [
      { role: "user", content: "Hello" },
      { role: "assistant", content: [{ type: "text", text: "Hi, what can I do?" }] },
      { role: "user", content: [{ type: "text", text: "Tell me " }, { type: "text", text: "a story." }] },
    ],
  });
  assert.equal(message.type, "message");
  assert.equal(message.role, "assistant");
  assert.match(message.id, /^msg_[0-9a-f]{24}$/);
  assert.equal(message.model, "vllm/mock-model");
  assert.deepEqual(message.content, [{ type: "text", text: scripted.text }]);
  assert.equal(message.stop_reason, "max_tokens");
  assert.equal(message.stop_sequence, null);
  assert.equal(message.usage.input_tokens, 17);
  assert.equal(message.usage.output_tokens, 9);
  assert.equal(message.usage.cache_read_input_tokens, 0);

  const upstream = mock.requests[0]?.body;
  assert.equal(upstream?.model, "mock-model");
  assert.deepEqual(upstream?.messages, [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hello" },
    { role: "assistant", content: "Hi, what can I do?" },
    { role: "user", content: "Tell me a story." },
  ]);
  assert.equal(upstream?.max_tokens, 100);
  assert.deepEqual(upstream?.stop, ["\n\n"]);
  assert.equal(upstream?.user, "end-user-7");
});

test("sampling fields older clients send (temperature, top_p, top_k) reach the engine; fields no engine takes do not", async () => {
  const response = await postJson(
    `${gateway.url}/v1/messages`,
    {
      model: "mock-model",
      max_tokens: 8,
      temperature: 0.2,
      top_p: 0.9,
      top_k: 5,
      thinking: { type: "enabled", budget_tokens: 1024 },
      service_tier: "auto",
      messages: [{ role: "user", content: "hi" }],
    },
    { "x-api-key": userKey },
  );
  assert.equal(response.status, 200, await response.clone().text());
  const upstream = mock.requests[0]?.body;
  assert.equal(upstream?.temperature, 0.2);
  assert.equal(upstream?.top_p, 0.9);
  assert.equal(upstream?.top_k, 5);
  assert.equal(upstream?.thinking, undefined);
  assert.equal(upstream?.service_tier, undefined);
});

test("cached prompt tokens are reported apart from input_tokens, as Anthropic counts them", async () => {
  mock.script = () => ({ text: "ok", usage: { prompt_tokens: 100, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 60 } } });
  const message = await client.messages.create({ model: "mock-model", max_tokens: 10, messages: [{ role: "user", content: "hi" }] });
  assert.equal(message.usage.input_tokens, 40);
  assert.equal(message.usage.cache_read_input_tokens, 60);
  assert.equal(message.usage.output_tokens, 2);
});

test("streaming with the SDK's helpers: text events join to the answer, finalMessage has the stop reason and usage", async () => {
  mock.script = () => ({ ...scripted, finishReason: "stop" });
  const stream = client.messages.stream({ model: "mock-model", max_tokens: 50, messages: [{ role: "user", content: "hi" }] });
  let streamed = "";
  stream.on("text", (delta) => {
    streamed += delta;
  });
  const types: string[] = [];
  for await (const event of stream) types.push(event.type);
  const final = await stream.finalMessage();
  assert.equal(streamed, scripted.text);
  assert.deepEqual(final.content, [{ type: "text", text: scripted.text }]);
  assert.equal(final.stop_reason, "end_turn");
  assert.equal(final.usage.input_tokens, 17);
  assert.equal(final.usage.output_tokens, 9);
  assert.equal(types[0], "message_start");
  assert.equal(types[1], "content_block_start");
  assert.deepEqual(types.slice(-3), ["content_block_stop", "message_delta", "message_stop"]);
  assert.ok(types.slice(2, -3).every((type) => type === "content_block_delta"), types.join(","));
});

test("the raw event stream: names and payloads in Anthropic's order, with a ping after message_start", async () => {
  mock.script = () => ({ chunks: ["Hel", "lo"], usage: { prompt_tokens: 3, completion_tokens: 2 } });
  const response = await postJson(
    `${gateway.url}/v1/messages`,
    { model: "mock-model", max_tokens: 20, stream: true, messages: [{ role: "user", content: "hi" }] },
    { "x-api-key": userKey, "anthropic-version": "2023-06-01" },
  );
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
  assert.ok(response.headers.get("request-id"));
  const events = parseSse(await response.text());
  assert.deepEqual(
    events.map((event) => event.event),
    ["message_start", "ping", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"],
  );
  for (const event of events) assert.equal((JSON.parse(event.data) as { type: string }).type, event.event, "each payload's type is its event's name");
  const start = JSON.parse(events[0]?.data ?? "") as { message: Record<string, unknown> };
  assert.equal(start.message.model, "vllm/mock-model");
  assert.deepEqual(start.message.content, []);
  assert.equal(start.message.stop_reason, null);
  assert.deepEqual(JSON.parse(events[2]?.data ?? ""), { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
  assert.deepEqual(JSON.parse(events[3]?.data ?? ""), { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hel" } });
  assert.deepEqual(JSON.parse(events[6]?.data ?? ""), {
    type: "message_delta",
    delta: { stop_reason: "end_turn", stop_sequence: null },
    usage: { input_tokens: 3, output_tokens: 2, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
  });
});

test("tool use round trip: a streamed tool call arrives as a tool_use block with parsed input; its result goes back upstream", async () => {
  mock.script = () => ({ text: "Let me check.", toolCalls: [{ id: "call_abc", name: "get_weather", arguments: '{"city":"Paris"}' }] });
  const stream = client.messages.stream({
    model: "mock-model",
    max_tokens: 100,
    tools: [weatherTool],
    tool_choice: { type: "any" },
    messages: [{ role: "user", content: "Weather in Paris?" }],
  });
  const jsonPieces: string[] = [];
  stream.on("inputJson", (partial) => jsonPieces.push(partial));
  const first = await stream.finalMessage();
  assert.equal(first.stop_reason, "tool_use");
  assert.equal(first.content.length, 2);
  assert.deepEqual(first.content[0], { type: "text", text: "Let me check." });
  assert.deepEqual(first.content[1], { type: "tool_use", id: "call_abc", name: "get_weather", input: { city: "Paris" } });
  assert.ok(jsonPieces.length >= 2, "the arguments arrive as several input_json_delta events");
  const sentTools = mock.requests[0]?.body;
  assert.deepEqual(sentTools?.tools, [
    { type: "function", function: { name: "get_weather", description: "The weather in a city", parameters: weatherTool.input_schema } },
  ]);
  assert.equal(sentTools?.tool_choice, "required");

  mock.script = () => ({ text: "It is sunny in Paris." });
  const second = await client.messages.create({
    model: "mock-model",
    max_tokens: 100,
    tools: [weatherTool],
    tool_choice: { type: "tool", name: "get_weather", disable_parallel_tool_use: true },
    messages: [
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: first.content },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "call_abc", content: [{ type: "text", text: "sunny, 24 C" }] },
          { type: "text", text: "Thanks." },
        ],
      },
    ],
  });
  assert.deepEqual(second.content, [{ type: "text", text: "It is sunny in Paris." }]);
  const upstream = mock.requests[1]?.body;
  assert.deepEqual(upstream?.messages, [
    { role: "user", content: "Weather in Paris?" },
    { role: "assistant", content: "Let me check.", tool_calls: [{ id: "call_abc", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
    { role: "tool", content: "sunny, 24 C", tool_call_id: "call_abc" },
    { role: "user", content: "Thanks." },
  ]);
  assert.deepEqual(upstream?.tool_choice, { type: "function", function: { name: "get_weather" } });
  assert.equal(upstream?.parallel_tool_calls, false);
});

test("a non-streaming tool call: tool_use blocks with the input as an object", async () => {
  mock.script = () => ({ toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city":"Oslo"}' }] });
  const message = await client.messages.create({ model: "mock-model", max_tokens: 100, tools: [weatherTool], messages: [{ role: "user", content: "Oslo?" }] });
  assert.equal(message.stop_reason, "tool_use");
  assert.deepEqual(message.content, [{ type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Oslo" } }]);
});

test("count_tokens: an estimate of the prompt, which grows with it; an unknown model is not_found_error", async () => {
  const small = await client.messages.countTokens({ model: "mock-model", messages: [{ role: "user", content: "hi" }] });
  const large = await client.messages.countTokens({
    model: "mock-model",
    system: "You are a careful assistant who answers in full sentences.",
    tools: [weatherTool],
    messages: [{ role: "user", content: "Tell me about the weather in Paris and in Oslo, and compare them." }],
  });
  assert.ok(small.input_tokens > 0);
  assert.ok(large.input_tokens > small.input_tokens + 20, `${large.input_tokens} vs ${small.input_tokens}`);
  assert.equal(mock.requests.length, 0, "counting calls no engine");
  await assert.rejects(client.messages.countTokens({ model: "nope", messages: [{ role: "user", content: "hi" }] }), (error: unknown) => {
    assert.ok(error instanceof Anthropic.NotFoundError);
    assert.equal((error.error as { error: { type: string } }).error.type, "not_found_error");
    return true;
  });
});

test("errors come in Anthropic's envelope: a missing max_tokens, a bad key, a refused block type", async () => {
  const missing = await postJson(`${gateway.url}/v1/messages`, { model: "mock-model", messages: [{ role: "user", content: "hi" }] }, { "x-api-key": userKey });
  assert.equal(missing.status, 400);
  const body = (await missing.json()) as { type: string; error: { type: string; message: string }; request_id: string };
  assert.equal(body.type, "error");
  assert.equal(body.error.type, "invalid_request_error");
  assert.match(body.error.message, /max_tokens/);
  assert.ok(body.request_id);

  const badKey = new Anthropic({ baseURL: gateway.url, apiKey: "sk-not-a-real-key", maxRetries: 0 });
  await assert.rejects(badKey.messages.create({ model: "mock-model", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }), (error: unknown) => {
    assert.ok(error instanceof Anthropic.AuthenticationError);
    assert.equal((error.error as { error: { type: string } }).error.type, "authentication_error");
    return true;
  });

  const document = await postJson(
    `${gateway.url}/v1/messages`,
    { model: "mock-model", max_tokens: 5, messages: [{ role: "user", content: [{ type: "document", source: { type: "text", media_type: "text/plain", data: "x" } }] }] },
    { "x-api-key": userKey },
  );
  assert.equal(document.status, 400);
  const refused = (await document.json()) as { error: { type: string; message: string } };
  assert.equal(refused.error.type, "invalid_request_error");
  assert.match(refused.error.message, /messages\[0\]\.content\[0\]: content blocks of type "document" are not supported/);
  assert.equal(mock.requests.length, 0, "nothing reached the engine");
});

test("an upstream failure before the answer is an error response; a failure mid-stream ends with an error event, never message_stop", async () => {
  mock.script = () => ({ status: 500, errorMessage: "upstream exploded" });
  await assert.rejects(client.messages.create({ model: "mock-model", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }), (error: unknown) => {
    assert.ok(error instanceof Anthropic.APIError);
    assert.ok((error.status ?? 0) >= 500, String(error.status));
    assert.equal((error.error as { type: string }).type, "error");
    return true;
  });

  mock.script = () => ({ chunks: ["partial ", "answer ", "never ", "finished"], midStreamError: { afterChunks: 2, message: "upstream fell over" } });
  const response = await postJson(
    `${gateway.url}/v1/messages`,
    { model: "mock-model", max_tokens: 20, stream: true, messages: [{ role: "user", content: "hi" }] },
    { "x-api-key": userKey },
  );
  const events = parseSse(await response.text());
  const names = events.map((event) => event.event);
  assert.equal(names.at(-1), "error");
  assert.ok(!names.includes("message_stop"), names.join(","));
  const failure = JSON.parse(events.at(-1)?.data ?? "") as { type: string; error: { type: string; message: string } };
  assert.equal(failure.type, "error");
  assert.equal(failure.error.type, "api_error");
  assert.match(failure.error.message, /upstream fell over/);

  const sdkStream = client.messages.stream({ model: "mock-model", max_tokens: 20, messages: [{ role: "user", content: "hi" }] });
  await assert.rejects(sdkStream.finalMessage(), (error: unknown) => error instanceof Anthropic.APIError);
});

test("a base64 image block reaches an OpenAI-wire engine as an image_url data part; an image by URL is refused", async () => {
  const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
  const message = await client.messages.create({
    model: "mock-model",
    max_tokens: 16,
    messages: [{ role: "user", content: [{ type: "text", text: "What is in the picture?" }, { type: "image", source: { type: "base64", media_type: "image/png", data: png } }] }],
  });
  assert.equal(message.type, "message");
  assert.deepEqual(mock.requests[0]?.body.messages, [
    {
      role: "user",
      content: [
        { type: "text", text: "What is in the picture?" },
        { type: "image_url", image_url: { url: `data:image/png;base64,${png}` } },
      ],
    },
  ]);

  const byUrl = await postJson(
    `${gateway.url}/v1/messages`,
    { model: "mock-model", max_tokens: 5, messages: [{ role: "user", content: [{ type: "image", source: { type: "url", url: "https://example.com/cat.png" } }] }] },
    { "x-api-key": userKey },
  );
  assert.equal(byUrl.status, 400);
  assert.match(((await byUrl.json()) as { error: { message: string } }).error.message, /messages\[0\]\.content\[0\]\.source: send images as base64/);
  assert.equal(mock.requests.length, 1);
});

test("the OpenAI API's policies hold on /v1/messages: a key's rpm limit answers rate_limit_error, and each call is in the ledger", async () => {
  const created = await postJson(`${gateway.url}/api/v2/admin/keys`, { name: "limited", userId: "grace", rpm: 1 }, { authorization: `Bearer ${adminKey}` });
  const limitedKey = ((await created.json()) as { key: string }).key;
  const limited = new Anthropic({ baseURL: gateway.url, apiKey: limitedKey, maxRetries: 0 });
  mock.script = () => ({ text: "counted", usage: { prompt_tokens: 5, completion_tokens: 1 } });
  await limited.messages.create({ model: "mock-model", max_tokens: 5, messages: [{ role: "user", content: "hi" }] });
  await assert.rejects(limited.messages.create({ model: "mock-model", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }), (error: unknown) => {
    assert.ok(error instanceof Anthropic.RateLimitError);
    assert.equal((error.error as { error: { type: string } }).error.type, "rate_limit_error");
    assert.ok(Number(error.headers?.get("retry-after")) > 0);
    return true;
  });
  const usage = await fetch(`${gateway.url}/api/v2/usage`, { headers: { authorization: `Bearer ${limitedKey}` } });
  const rows = ((await usage.json()) as { data: Array<{ engine: string; model: string; inputTokens: number; outputTokens: number; status: string }> }).data;
  assert.deepEqual(
    rows.filter((row) => row.status === "complete").map((row) => [row.engine, row.model, row.inputTokens, row.outputTokens]),
    [["vllm", "mock-model", 5, 1]],
  );
});
