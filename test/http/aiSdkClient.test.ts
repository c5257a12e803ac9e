/**
 * The Vercel AI SDK's OpenAI-compatible provider, pointed at Switchyard: another client written by others.
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText, streamText } from "ai";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";

let mock: MockUpstream;
let gateway: TestGateway;
let provider: ReturnType<typeof createOpenAICompatible>;

before(async () => {
  mock = await startMockUpstream();
  gateway = await startGateway({ engines: [openAIEngine("vllm", mock.url)] });
  provider = createOpenAICompatible({ name: "switchyard", baseURL: `${gateway.url}/v1`, includeUsage: true });
});
after(async () => {
  await gateway.stop();
  await mock.close();
});
beforeEach(() => {
  mock.reset();
  mock.script = () => ({ text: "Streaming through the gateway works.", usage: { prompt_tokens: 11, completion_tokens: 6 } });
});

test("generateText receives the upstream's text, finish reason and usage", async () => {
  const result = await generateText({ model: provider("vllm/mock-model"), prompt: "hello", maxRetries: 0 });
  assert.equal(result.text, "Streaming through the gateway works.");
  assert.equal(result.finishReason, "stop");
  assert.equal(result.usage.inputTokens, 11);
  assert.equal(result.usage.outputTokens, 6);
});

test("streamText streams the same text in pieces, with usage", async () => {
  const result = streamText({ model: provider("vllm/mock-model"), prompt: "hello", maxRetries: 0 });
  const pieces: string[] = [];
  for await (const piece of result.textStream) pieces.push(piece);
  assert.ok(pieces.length > 1);
  assert.equal(pieces.join(""), "Streaming through the gateway works.");
  assert.equal(await result.finishReason, "stop");
  const usage = await result.usage;
  assert.equal(usage.inputTokens, 11);
  assert.equal(usage.outputTokens, 6);
  assert.equal(mock.requests[0]?.body.stream, true);
});
