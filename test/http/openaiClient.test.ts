/**
 * The official `openai` npm client, pointed at Switchyard, must receive exactly what the upstream produced.
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";

let mock: MockUpstream;
let gateway: TestGateway;
let client: OpenAI;

before(async () => {
  mock = await startMockUpstream();
  gateway = await startGateway({ engines: [openAIEngine("vllm", mock.url, ["mock-model", "other-model"])] });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
after(async () => {
  await gateway.stop();
  await mock.close();
});
beforeEach(() => mock.reset());

const scripted = { text: "The quick brown fox jumps over the lazy dog.", finishReason: "length", usage: { prompt_tokens: 17, completion_tokens: 9 } };

test("non-streaming: text, finish reason and usage arrive exactly", async () => {
  mock.script = () => scripted;
  const completion = await client.chat.completions.create({ model: "vllm/mock-model", messages: [{ role: "user", content: "hi" }] });
  assert.equal(completion.object, "chat.completion");
  assert.equal(completion.model, "vllm/mock-model");
  assert.equal(completion.choices[0]?.message.content, scripted.text);
  assert.equal(completion.choices[0]?.message.role, "assistant");
  assert.equal(completion.choices[0]?.finish_reason, "length");
  assert.deepEqual(completion.usage, { prompt_tokens: 17, completion_tokens: 9, total_tokens: 26 });
  assert.equal(mock.requests[0]?.body.model, "mock-model", "the engine prefix is stripped upstream");
});

test("streaming: chunks join to the upstream text; include_usage yields the usage chunk; [DONE] ends it", async () => {
  mock.script = () => scripted;
  const stream = await client.chat.completions.create({
    model: "mock-model",
    messages: [{ role: "user", content: "hi" }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  let finish: string | null | undefined;
  let usage: OpenAI.CompletionUsage | null | undefined;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks += 1;
    assert.equal(chunk.object, "chat.completion.chunk");
    text += chunk.choices[0]?.delta.content ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  assert.ok(chunks > 3, "streamed in several chunks");
  assert.equal(text, scripted.text);
  assert.equal(finish, "length");
  assert.deepEqual(usage, { prompt_tokens: 17, completion_tokens: 9, total_tokens: 26 });
  assert.equal(mock.requests[0]?.body.stream, true);
});

test("streaming without include_usage sends no usage chunk", async () => {
  mock.script = () => scripted;
  const stream = await client.chat.completions.create({ model: "vllm/mock-model", messages: [{ role: "user", content: "hi" }], stream: true });
  for await (const chunk of stream) assert.equal(chunk.usage ?? undefined, undefined);
});

test("tool calls pass through, streamed and not", async () => {
  const toolCalls = [{ id: "call_1", name: "get_weather", arguments: '{"city":"Paris","unit":"c"}' }];
  mock.script = () => ({ text: "", chunks: [], toolCalls });
  const tools: OpenAI.ChatCompletionTool[] = [
    { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } },
  ];
  const completion = await client.chat.completions.create({ model: "vllm/mock-model", messages: [{ role: "user", content: "weather?" }], tools });
  assert.equal(completion.choices[0]?.finish_reason, "tool_calls");
  const call = completion.choices[0]?.message.tool_calls?.[0];
  assert.ok(call && call.type === "function");
  assert.equal(call.id, "call_1");
  assert.equal(call.function.name, "get_weather");
  assert.equal(call.function.arguments, toolCalls[0]?.arguments);
  assert.deepEqual((mock.requests[0]?.body.tools as unknown[])[0], tools[0]);

  const stream = client.chat.completions.stream({ model: "vllm/mock-model", messages: [{ role: "user", content: "weather?" }], tools });
  const final = await stream.finalChatCompletion();
  assert.equal(final.choices[0]?.message.tool_calls?.[0]?.id, "call_1");
  const streamedCall = final.choices[0]?.message.tool_calls?.[0];
  assert.ok(streamedCall && streamedCall.type === "function");
  assert.equal(streamedCall.function.arguments, toolCalls[0]?.arguments);
});

test("unknown fields pass through to the upstream; the models list names every engine/model", async () => {
  await client.chat.completions.create({
    model: "vllm/mock-model",
    messages: [{ role: "user", content: "hi" }],
    response_format: { type: "json_object" },
    presence_penalty: 0.5,
  });
  assert.deepEqual(mock.requests[0]?.body.response_format, { type: "json_object" });
  assert.equal(mock.requests[0]?.body.presence_penalty, 0.5);
  const models = await client.models.list();
  assert.deepEqual(
    models.data.map((m) => m.id),
    ["vllm/mock-model", "vllm/other-model"],
  );
});

test("upstream errors reach the client as OpenAI errors with stable codes", async () => {
  mock.script = () => ({ status: 500, errorMessage: "boom" });
  await assert.rejects(
    client.chat.completions.create({ model: "vllm/mock-model", messages: [{ role: "user", content: "hi" }] }),
    (error: InstanceType<typeof OpenAI.APIError>) => error.status === 502 && error.code === "upstream_error",
  );
  mock.script = () => ({ status: 400, errorMessage: "context too long" });
  await assert.rejects(
    client.chat.completions.create({ model: "vllm/mock-model", messages: [{ role: "user", content: "hi" }] }),
    (error: InstanceType<typeof OpenAI.APIError>) => error.status === 400 && error.code === "invalid_request" && /context too long/.test(error.message),
  );
});

test("a stream that dies midway ends with an error event, never a silent [DONE]", async () => {
  mock.script = () => ({ dropAfterChunks: 2 });
  const stream = await client.chat.completions.create({ model: "vllm/mock-model", messages: [{ role: "user", content: "hi" }], stream: true });
  let text = "";
  await assert.rejects(async () => {
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
  }, /upstream/);
  assert.ok(text.length > 0, "the first chunks arrived before the failure");
});

test("an image_url part with a base64 data URL reaches the engine as sent; an http URL is refused with 400", async () => {
  const url = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
  await client.chat.completions.create({
    model: "mock-model",
    messages: [{ role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url } }] }],
  });
  assert.deepEqual(mock.requests[0]?.body.messages, [
    { role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url } }] },
  ]);
  await assert.rejects(
    client.chat.completions.create({ model: "mock-model", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }] }] }),
    (error: InstanceType<typeof OpenAI.APIError>) => error.status === 400 && error.code === "invalid_request" && /base64 data URLs/.test(error.message),
  );
  assert.equal(mock.requests.length, 1);
});
