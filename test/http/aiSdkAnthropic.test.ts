/**
 * The Vercel AI SDK's Anthropic provider, pointed at Switchyard's /v1/messages: a client of the Messages API
 * written by others, over an OpenAI-compatible engine.
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { createAnthropic } from "@ai-sdk/anthropic";
import { generateText, jsonSchema, streamText, tool } from "ai";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";

let mock: MockUpstream;
let gateway: TestGateway;
let provider: ReturnType<typeof createAnthropic>;

before(async () => {
  mock = await startMockUpstream();
  gateway = await startGateway({ engines: [openAIEngine("vllm", mock.url)] });
  provider = createAnthropic({ baseURL: `${gateway.url}/v1`, apiKey: "unused" });
});
after(async () => {
  await gateway.stop();
  await mock.close();
});
beforeEach(() => {
  mock.reset();
  mock.script = () => ({ text: "Claude clients work through the gateway.", usage: { prompt_tokens: 12, completion_tokens: 7 } });
});

test("generateText: text, finish reason and usage", async () => {
  const result = await generateText({ model: provider("vllm/mock-model"), system: "Be brief.", prompt: "hello", maxOutputTokens: 64, maxRetries: 0 });
  assert.equal(result.text, "Claude clients work through the gateway.");
  assert.equal(result.finishReason, "stop");
  assert.equal(result.usage.inputTokens, 12);
  assert.equal(result.usage.outputTokens, 7);
  const upstream = mock.requests[0]?.body;
  assert.deepEqual(upstream?.messages, [
    { role: "system", content: "Be brief." },
    { role: "user", content: "hello" },
  ]);
});

test("streamText: the text in pieces, then the usage", async () => {
  const result = streamText({ model: provider("vllm/mock-model"), prompt: "hello", maxOutputTokens: 64, maxRetries: 0 });
  const pieces: string[] = [];
  for await (const piece of result.textStream) pieces.push(piece);
  assert.ok(pieces.length > 2, "several pieces");
  assert.equal(pieces.join(""), "Claude clients work through the gateway.");
  assert.equal(await result.finishReason, "stop");
  assert.equal((await result.usage).outputTokens, 7);
});

test("a tool call streamed by the engine comes out as the provider's tool call, with its input parsed", async () => {
  mock.script = () => ({ toolCalls: [{ id: "call_9", name: "lookup", arguments: '{"term":"gateway"}' }] });
  const result = streamText({
    model: provider("vllm/mock-model"),
    prompt: "look it up",
    maxOutputTokens: 64,
    tools: { lookup: tool({ description: "Looks a term up", inputSchema: jsonSchema<{ term: string }>({ type: "object", properties: { term: { type: "string" } }, required: ["term"] }) }) },
    maxRetries: 0,
  });
  const calls = await result.toolCalls;
  assert.equal(calls.length, 1);
  assert.equal(calls[0]?.toolName, "lookup");
  assert.equal(calls[0]?.toolCallId, "call_9");
  assert.deepEqual(calls[0]?.input, { term: "gateway" });
  assert.equal(await result.finishReason, "tool-calls");
});
