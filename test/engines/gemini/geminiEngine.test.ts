/**
 * The Gemini engine against a real HTTP mock in Google's wire format: the exact request it sends, how chunks
 * become parts, usage, each fault's outcome, abort, and a whole gateway serving it on /v1/chat/completions.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { geminiEngineSchema } from "../../../src/config/schema.js";
import { createGeminiEngine } from "../../../src/engines/gemini/createGeminiEngine.js";
import type { ChatRequest, StreamPart } from "../../../src/engines/spec.js";
import { isGatewayError, type GatewayError } from "../../../src/errors.js";
import { startMockGeminiUpstream, type MockGeminiScript, type MockGeminiUpstream } from "../../support/mockGeminiUpstream.js";
import { parseSse, postJson } from "../../support/readSse.js";
import { startGateway } from "../../support/startGateway.js";
import { geminiConfig, helloRequest, streamAll } from "./geminiFixture.js";

async function withEngine(body: (mock: MockGeminiUpstream, engine: ReturnType<typeof createGeminiEngine>) => Promise<void>): Promise<void> {
  const mock = await startMockGeminiUpstream();
  const engine = createGeminiEngine(geminiConfig(mock.origin, { headers: { "X-Extra": "yes" } }));
  try {
    await body(mock, engine);
  } finally {
    await engine.close();
    await mock.close();
  }
}

/** The GatewayError a call fails with, and the parts it produced first. */
async function failureOf(engine: ReturnType<typeof createGeminiEngine>, request: ChatRequest = helloRequest): Promise<{ error: GatewayError; parts: StreamPart[] }> {
  const parts: StreamPart[] = [];
  try {
    for await (const part of engine.stream(request, { signal: new AbortController().signal })) parts.push(part);
  } catch (error) {
    assert.ok(isGatewayError(error), String(error));
    return { error, parts };
  }
  const last = parts.at(-1);
  assert.ok(last?.type === "error", "the call failed");
  return { error: last.error, parts };
}

const conversation: ChatRequest = {
  model: "gemini-test",
  messages: [
    { role: "system", content: "You are a weather bot." },
    { role: "system", content: "Answer in metric." },
    { role: "user", content: "Weather in Paris and Rome?" },
    {
      role: "assistant",
      content: "Let me look.",
      toolCalls: [
        { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
        { id: "call_b", type: "function", function: { name: "get_time", arguments: '{"city":"Rome"}' } },
      ],
    },
    { role: "tool", toolCallId: "call_b", content: "14:00" },
    { role: "tool", toolCallId: "call_a", content: '{"tempC":21}' },
    { role: "user", content: "Thanks. And tomorrow?" },
  ],
  tools: [
    { type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } },
    { type: "function", function: { name: "get_time" } },
  ],
  toolChoice: { type: "function", function: { name: "get_weather" } },
  maxTokens: 100,
  temperature: 0.5,
  topP: 0.9,
  stop: ["END"],
  extra: { top_k: 40 },
};

test("gemini: the exact path, headers and body of a multi-turn conversation with tools", async () => {
  await withEngine(async (mock, engine) => {
    await streamAll(engine, conversation);
    const [request] = mock.requests;
    assert.ok(request);
    assert.equal(request.path, "/v1beta/models/gemini-test:streamGenerateContent?alt=sse");
    assert.equal(request.headers["x-goog-api-key"], "gemini-key-1");
    assert.equal(request.headers["x-extra"], "yes");
    assert.equal(request.headers["content-type"], "application/json");
    assert.equal(request.headers.authorization, undefined);
    assert.deepEqual(request.body, {
      systemInstruction: { parts: [{ text: "You are a weather bot." }, { text: "Answer in metric." }] },
      contents: [
        { role: "user", parts: [{ text: "Weather in Paris and Rome?" }] },
        {
          role: "model",
          parts: [{ text: "Let me look." }, { functionCall: { name: "get_weather", args: { city: "Paris" } } }, { functionCall: { name: "get_time", args: { city: "Rome" } } }],
        },
        {
          role: "user",
          parts: [
            { functionResponse: { name: "get_time", response: { result: "14:00" } } },
            { functionResponse: { name: "get_weather", response: { result: { tempC: 21 } } } },
            { text: "Thanks. And tomorrow?" },
          ],
        },
      ],
      tools: [
        {
          functionDeclarations: [
            { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
            { name: "get_time" },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] } },
      generationConfig: { maxOutputTokens: 100, temperature: 0.5, topP: 0.9, topK: 40, stopSequences: ["END"] },
    });
  });
});

test("gemini: toolChoice auto, required and none; no tools or generationConfig when none are asked", async () => {
  await withEngine(async (mock, engine) => {
    for (const toolChoice of ["auto", "required", "none"]) await streamAll(engine, { ...helloRequest, toolChoice });
    await streamAll(engine, { model: "gemini-test", messages: [{ role: "user", content: "hi" }] });
    assert.deepEqual(
      mock.requests.slice(0, 3).map((request) => request.body.toolConfig),
      [{ functionCallingConfig: { mode: "AUTO" } }, { functionCallingConfig: { mode: "ANY" } }, { functionCallingConfig: { mode: "NONE" } }],
    );
    assert.deepEqual(mock.requests[3]?.body, { contents: [{ role: "user", parts: [{ text: "hi" }] }] });
  });
});

test("gemini: a user message's images go as inlineData parts after its text", async () => {
  await withEngine(async (mock, engine) => {
    await streamAll(engine, { model: "gemini-test", messages: [{ role: "user", content: "what is this?", images: [{ mediaType: "image/png", data: "iVBORw0KGgo=" }] }] });
    assert.deepEqual(mock.requests[0]?.body.contents, [
      { role: "user", parts: [{ text: "what is this?" }, { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } }] },
    ]);
  });
});

test("gemini: unparsable tool-call arguments and an unknown tool_call_id are invalid requests, sent nowhere", async () => {
  await withEngine(async (mock, engine) => {
    const badArguments: ChatRequest = {
      model: "gemini-test",
      messages: [{ role: "assistant", content: null, toolCalls: [{ id: "c", type: "function", function: { name: "f", arguments: "{oops" } }] }],
    };
    const unknownCall: ChatRequest = { model: "gemini-test", messages: [{ role: "tool", toolCallId: "nope", content: "x" }] };
    for (const request of [badArguments, unknownCall]) {
      await assert.rejects(streamAll(engine, request), (error: unknown) => isGatewayError(error) && error.code === "invalid_request" && !error.retryable);
    }
    assert.equal(mock.requests.length, 0);
  });
});

test("gemini: text pieces become text-deltas; thoughts are skipped; usage maps cached and thoughts tokens", async () => {
  await withEngine(async (mock, engine) => {
    mock.script = () => ({
      chunks: ["Hel", "lo ", "world"],
      thought: "thinking hard",
      usage: { promptTokenCount: 12, candidatesTokenCount: 3, cachedContentTokenCount: 8, thoughtsTokenCount: 5 },
    });
    const parts = await streamAll(engine);
    assert.deepEqual(parts, [
      { type: "text-delta", text: "Hel" },
      { type: "text-delta", text: "lo " },
      { type: "text-delta", text: "world" },
      { type: "finish", reason: "stop" },
      { type: "usage", usage: { inputTokens: 12, outputTokens: 8, totalTokens: 20, cachedInputTokens: 8, reasoningTokens: 5 } },
    ]);
    assert.equal(engine.status().inFlight, 0);
  });
});

test("gemini: functionCall parts become whole tool-call-deltas with generated ids; STOP after calls is tool_calls", async () => {
  await withEngine(async (mock, engine) => {
    mock.script = () => ({ chunks: [], functionCalls: [{ name: "get_weather", args: { city: "Paris" } }, { name: "get_time", args: {} }], usage: { promptTokenCount: 4, candidatesTokenCount: 6 } });
    const parts = await streamAll(engine, conversation);
    const calls = parts.filter((part) => part.type === "tool-call-delta");
    assert.equal(calls.length, 2);
    assert.deepEqual(
      calls.map(({ index, name, argumentsDelta }) => ({ index, name, argumentsDelta })),
      [
        { index: 0, name: "get_weather", argumentsDelta: '{"city":"Paris"}' },
        { index: 1, name: "get_time", argumentsDelta: "{}" },
      ],
    );
    for (const call of calls) assert.match(call.id ?? "", /^call_[0-9a-f]{24}$/);
    assert.notEqual(calls[0]?.id, calls[1]?.id);
    assert.deepEqual(parts.find((part) => part.type === "finish"), { type: "finish", reason: "tool_calls" });
  });
});

test("gemini: MAX_TOKENS is length, SAFETY is content_filter, a blocked prompt finishes content_filter", async () => {
  await withEngine(async (mock, engine) => {
    const finishOf = async (script: MockGeminiScript) => {
      mock.script = () => script;
      return (await streamAll(engine)).find((part) => part.type === "finish");
    };
    assert.deepEqual(await finishOf({ finishReason: "MAX_TOKENS" }), { type: "finish", reason: "length" });
    assert.deepEqual(await finishOf({ finishReason: "SAFETY" }), { type: "finish", reason: "content_filter" });
    assert.deepEqual(await finishOf({ blockReason: "SAFETY" }), { type: "finish", reason: "content_filter" });
  });
});

test("gemini: 429 is a retryable engine_overloaded with Retry-After; 503 retryable; 401 final; 400 carries Google's message", async () => {
  await withEngine(async (mock, engine) => {
    mock.script = () => ({ status: 429, retryAfter: "7", errorMessage: "Resource has been exhausted" });
    const limited = await failureOf(engine);
    assert.equal(limited.error.code, "engine_overloaded");
    assert.equal(limited.error.retryable, true);
    assert.equal(limited.error.retryAfterSeconds, 7);
    assert.equal(limited.parts.length, 0);

    mock.script = () => ({ status: 503, errorMessage: "The model is overloaded." });
    const unavailable = await failureOf(engine);
    assert.equal(unavailable.error.code, "upstream_error");
    assert.equal(unavailable.error.retryable, true);

    mock.script = () => ({ status: 401, errorMessage: "API key not valid gemini-key-1" });
    const refused = await failureOf(engine);
    assert.equal(refused.error.code, "upstream_error");
    assert.equal(refused.error.retryable, false);
    assert.doesNotMatch(JSON.stringify(refused.error.cause), /gemini-key-1/);

    mock.script = () => ({ status: 400, errorMessage: "Invalid value at 'contents[0].role'" });
    const invalid = await failureOf(engine);
    assert.equal(invalid.error.code, "invalid_request");
    assert.equal(invalid.error.retryable, false);
    assert.equal(invalid.error.message, "Invalid value at 'contents[0].role'");
    assert.equal(engine.status().inFlight, 0);
  });
});

test("gemini: a cut after output is an error, never a clean finish; a cut before output is retryable", async () => {
  await withEngine(async (mock, engine) => {
    mock.script = () => ({ chunks: ["one ", "two ", "three"], dropAfterChunks: 2 });
    const after = await failureOf(engine);
    assert.equal(after.error.code, "upstream_error");
    assert.equal(after.error.retryable, false);
    assert.equal(after.parts.filter((part) => part.type === "text-delta").length, 2);
    assert.ok(!after.parts.some((part) => part.type === "finish"));

    mock.script = () => ({ chunks: ["one ", "two "], dropAfterChunks: 0 });
    const before = await failureOf(engine);
    assert.equal(before.error.code, "upstream_error");
    assert.equal(before.error.retryable, true);
    assert.equal(before.parts.length, 0);

    mock.script = () => ({ omitFinishReason: true });
    const unfinished = await failureOf(engine);
    assert.equal(unfinished.error.code, "upstream_error");
    assert.ok(!unfinished.parts.some((part) => part.type === "finish"));
  });
});

test("gemini: a malformed chunk after output is a terminal error part; before output a retryable throw", async () => {
  await withEngine(async (mock, engine) => {
    mock.script = () => ({ chunks: ["one ", "two"], malformedAfterChunks: 1 });
    const after = await failureOf(engine);
    assert.equal(after.error.code, "upstream_error");
    assert.deepEqual(after.parts.slice(0, -1), [{ type: "text-delta", text: "one " }]);
    assert.equal(after.parts.at(-1)?.type, "error");

    mock.script = () => ({ chunks: ["one "], malformedAfterChunks: 0 });
    const before = await failureOf(engine);
    assert.equal(before.error.retryable, true);
    assert.equal(before.parts.length, 0);
  });
});

test("gemini: an abort closes the upstream connection, mid-stream and while the upstream hangs", async () => {
  await withEngine(async (mock, engine) => {
    mock.script = () => ({ chunks: ["one ", "two "], stallAfterChunks: 1 });
    const controller = new AbortController();
    const seen: StreamPart[] = [];
    await assert.rejects(
      (async () => {
        for await (const part of engine.stream(helloRequest, { signal: controller.signal })) {
          seen.push(part);
          controller.abort();
        }
      })(),
      (error: Error) => error.name === "AbortError",
    );
    assert.equal(seen.length, 1);
    await mock.waitForAborted(1);

    mock.script = () => ({ hang: true });
    const hung = new AbortController();
    const call = streamAll(engine, helloRequest, hung.signal);
    // The request must have reached the mock before the abort, or nothing would be left to close.
    while (mock.requests.length < 2) await new Promise<void>((resolve) => setImmediate(resolve));
    hung.abort();
    await assert.rejects(call, (error: Error) => error.name === "AbortError");
    await mock.waitForAborted(2);
    assert.equal(engine.status().inFlight, 0);
  });
});

test("gemini through the gateway: /v1/chat/completions streamed and not", async () => {
  const mock = await startMockGeminiUpstream();
  const gateway = await startGateway({ engines: [{ name: "gem", type: "gemini", baseUrl: `${mock.origin}/v1beta`, apiKey: "k", models: ["gemini-test"] }] });
  try {
    mock.script = () => ({ chunks: ["from ", "gemini"] });
    const whole = await postJson(`${gateway.url}/v1/chat/completions`, { model: "gem/gemini-test", messages: [{ role: "user", content: "hi" }] });
    assert.equal(whole.status, 200);
    const body = (await whole.json()) as { model: string; choices: Array<{ message: { content: string }; finish_reason: string }>; usage: { prompt_tokens: number } };
    assert.equal(body.model, "gem/gemini-test");
    assert.equal(body.choices[0]?.message.content, "from gemini");
    assert.equal(body.choices[0]?.finish_reason, "stop");
    assert.ok(body.usage.prompt_tokens > 0);

    const streamed = await postJson(`${gateway.url}/v1/chat/completions`, { model: "gem/gemini-test", stream: true, messages: [{ role: "user", content: "hi" }] });
    assert.equal(streamed.status, 200);
    const events = parseSse(await streamed.text());
    assert.equal(events.at(-1)?.data, "[DONE]");
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.data) as { choices: Array<{ delta: { content?: string }; finish_reason: string | null }> });
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join(""), "from gemini");
    assert.ok(chunks.some((chunk) => chunk.choices[0]?.finish_reason === "stop"));
    assert.equal(mock.requests.at(-1)?.headers["x-goog-api-key"], "k");
  } finally {
    await gateway.stop();
    await mock.close();
  }
});

test("gemini config: Google's endpoint by default, at least one model, no unknown fields", () => {
  const parsed = geminiEngineSchema.parse({ name: "g", type: "gemini", models: ["gemini-2.5-flash"] });
  assert.equal(parsed.baseUrl, "https://generativelanguage.googleapis.com/v1beta");
  assert.equal(parsed.maxConcurrency, 20);
  assert.equal(parsed.connections, 64);
  assert.deepEqual(parsed.headers, {});
  assert.throws(() => geminiEngineSchema.parse({ name: "g", type: "gemini", models: [] }));
  assert.throws(() => geminiEngineSchema.parse({ name: "g", type: "gemini", models: ["m"], apiKey: "a", apiKeys: ["b"] }), /apiKey or apiKeys/);
});
