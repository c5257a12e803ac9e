/**
 * apiKeys on the Anthropic and Gemini engines, against their own wire's mocks: a 429 on one key moves the same
 * call to the next key at once, and the rate-limited key rests while the others serve.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createAnthropicEngine } from "../../../src/engines/anthropic/createAnthropicEngine.js";
import { createGeminiEngine } from "../../../src/engines/gemini/createGeminiEngine.js";
import { startMockAnthropicUpstream } from "../../support/mockAnthropicUpstream.js";
import { startMockGeminiUpstream } from "../../support/mockGeminiUpstream.js";
import { anthropicConfig, helloRequest as anthropicHello, streamAll } from "../anthropic/anthropicEngineFixture.js";
import { geminiConfig, helloRequest as geminiHello } from "../gemini/geminiFixture.js";

const keys = ["key-one-0001", "key-two-0002", "key-three-0003"];

test("anthropic apiKeys: in turn as x-api-key; a 429 moves the call to the next key; the limited key rests", async () => {
  const mock = await startMockAnthropicUpstream();
  const engine = createAnthropicEngine(anthropicConfig(mock.url, { apiKey: undefined, apiKeys: keys, keyCooldownMs: 600_000 }));
  try {
    mock.script = (request) => (request.headers["x-api-key"] === keys[0] ? { status: 429, errorMessage: "rate limited", retryAfter: "300" } : {});
    const parts = await streamAll(engine, anthropicHello);
    assert.ok(parts.some((part) => part.type === "finish"), "served by another key");
    for (let i = 0; i < 3; i++) await streamAll(engine, anthropicHello);
    assert.deepEqual(
      mock.requests.map((request) => request.headers["x-api-key"]),
      [keys[0], keys[1], keys[2], keys[1], keys[2]],
    );
  } finally {
    await engine.close();
    await mock.close();
  }
});

test("gemini apiKeys: in turn as x-goog-api-key; a 429 moves the call to the next key; the limited key rests", async () => {
  const mock = await startMockGeminiUpstream();
  const engine = createGeminiEngine(geminiConfig(mock.origin, { apiKey: undefined, apiKeys: keys, keyCooldownMs: 600_000 }));
  try {
    mock.script = (request) => (request.headers["x-goog-api-key"] === keys[0] ? { status: 429, errorMessage: "quota", retryAfter: "300" } : {});
    const parts = await streamAll(engine, geminiHello);
    assert.ok(parts.some((part) => part.type === "finish"), "served by another key");
    for (let i = 0; i < 3; i++) await streamAll(engine, geminiHello);
    assert.deepEqual(
      mock.requests.map((request) => request.headers["x-goog-api-key"]),
      [keys[0], keys[1], keys[2], keys[1], keys[2]],
    );
  } finally {
    await engine.close();
    await mock.close();
  }
});
