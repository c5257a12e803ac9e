import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { collectStream } from "../../../src/engines/collectStream.js";
import { toAnthropicRequest } from "../../../src/engines/anthropic/toAnthropicRequest.js";
import type { ChatRequest, StreamPart } from "../../../src/engines/spec.js";
import { GatewayError } from "../../../src/errors.js";
import type { AnthropicMockScript } from "../../support/mockAnthropicUpstream.js";
import { helloRequest, startAnthropicEngineFixture, streamAll, type AnthropicEngineFixture } from "./anthropicEngineFixture.js";

// One upstream and engine for the file (a custom header on every call); each case scripts its own answer.
let fixture: AnthropicEngineFixture;
before(async () => {
  fixture = await startAnthropicEngineFixture({ headers: { "Anthropic-Beta": "token-efficient-tools-2025-02-19" }, defaultMaxTokens: 1234 });
});
beforeEach(() => fixture.mock.reset());
after(() => fixture.close());

interface Outcome {
  parts: StreamPart[];
  thrown: unknown;
}

async function run(script: AnthropicMockScript, request: ChatRequest = helloRequest): Promise<Outcome> {
  fixture.mock.script = () => script;
  const parts: StreamPart[] = [];
  let thrown: unknown;
  try {
    for await (const part of fixture.engine.stream(request, { signal: new AbortController().signal })) parts.push(part);
  } catch (error) {
    thrown = error;
  }
  assert.equal(fixture.engine.status().inFlight, 0, "nothing left running");
  return { parts, thrown };
}

function thrownBeforeOutput({ parts, thrown }: Outcome): GatewayError {
  assert.deepEqual(parts, [], "no part before the error");
  assert.ok(thrown instanceof GatewayError, `a GatewayError, got ${String(thrown)}`);
  return thrown;
}

function errorPartAfter({ parts, thrown }: Outcome, texts: string[]): GatewayError {
  assert.equal(thrown, undefined, "reported in-band, not thrown");
  assert.deepEqual(
    parts.slice(0, -1),
    texts.map((text) => ({ type: "text-delta", text })),
  );
  const last = parts.at(-1);
  assert.ok(last?.type === "error", `an error part last, got ${JSON.stringify(last)}`);
  assert.equal(last.error.code, "upstream_error");
  assert.equal(last.error.retryable, false, "output has started: never retried");
  return last.error;
}

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "The weather in a city now",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

test("a multi-turn conversation with tools goes out as Anthropic's Messages request, with its headers", async () => {
  const request: ChatRequest = {
    model: "claude-test",
    messages: [
      { role: "system", content: "You are a weather bot." },
      { role: "user", content: "Weather in Paris and Oslo?" },
      {
        role: "assistant",
        content: "Let me check.",
        toolCalls: [
          { id: "toolu_01", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          { id: "toolu_02", type: "function", function: { name: "get_weather", arguments: '{"city": "Oslo"}' } },
        ],
      },
      { role: "tool", toolCallId: "toolu_01", content: "18°C, sunny" },
      { role: "tool", toolCallId: "toolu_02", content: "9°C, rain" },
      { role: "user", content: "Which is warmer?" },
      { role: "system", content: "Answer in one word." },
      { role: "assistant", content: "", toolCalls: [] },
      { role: "user", content: "Be brief." },
    ],
    tools: [weatherTool],
    toolChoice: { type: "function", function: { name: "get_weather" } },
    stop: ["END"],
    temperature: 0.2,
    topP: 0.9,
    seed: 7,
    extra: { top_k: 40, user: "user-42", parallel_tool_calls: false, response_format: { type: "json_object" }, logprobs: true },
  };
  const parts = await streamAll(fixture.engine, request);
  assert.ok(parts.some((part) => part.type === "finish"));

  assert.equal(fixture.mock.requests.length, 1);
  const received = fixture.mock.requests[0];
  assert.ok(received);
  assert.equal(received.path, "/v1/messages");
  assert.deepEqual(received.body, {
    model: "claude-test",
    max_tokens: 1234,
    stream: true,
    system: "You are a weather bot.\n\nAnswer in one word.",
    messages: [
      { role: "user", content: [{ type: "text", text: "Weather in Paris and Oslo?" }] },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Let me check." },
          { type: "tool_use", id: "toolu_01", name: "get_weather", input: { city: "Paris" } },
          { type: "tool_use", id: "toolu_02", name: "get_weather", input: { city: "Oslo" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_01", content: "18°C, sunny" },
          { type: "tool_result", tool_use_id: "toolu_02", content: "9°C, rain" },
          { type: "text", text: "Which is warmer?" },
          { type: "text", text: "Be brief." },
        ],
      },
    ],
    tools: [{ name: "get_weather", description: "The weather in a city now", input_schema: weatherTool.function.parameters }],
    tool_choice: { type: "tool", name: "get_weather", disable_parallel_tool_use: true },
    stop_sequences: ["END"],
    temperature: 0.2,
    top_p: 0.9,
    top_k: 40,
    metadata: { user_id: "user-42" },
  });
  assert.equal(received.headers["x-api-key"], "sk-ant-test");
  assert.equal(received.headers["anthropic-version"], "2023-06-01");
  assert.equal(received.headers["anthropic-beta"], "token-efficient-tools-2025-02-19");
  assert.equal(received.headers["content-type"], "application/json");
  assert.equal(received.headers.accept, "text/event-stream");
  assert.equal(received.headers.authorization, undefined, "no OpenAI-style bearer token");
});

test("max_tokens is the request's when it sets one, and a traceparent goes along", async () => {
  const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  for await (const part of fixture.engine.stream({ ...helloRequest, maxTokens: 55 }, { signal: new AbortController().signal, traceparent })) void part;
  const received = fixture.mock.requests[0];
  assert.equal(received?.body.max_tokens, 55);
  assert.equal(received.body.system, "You are terse.");
  assert.deepEqual(received.body.messages, [{ role: "user", content: [{ type: "text", text: "Say hello in a few words." }] }]);
  assert.equal(received.body.tools, undefined);
  assert.equal(received.headers.traceparent, traceparent);
});

test("a user message's images go as base64 image blocks after its text", async () => {
  const request: ChatRequest = { model: helloRequest.model, messages: [{ role: "user", content: "What is this?", images: [{ mediaType: "image/png", data: "iVBORw0KGgo=" }] }] };
  for await (const part of fixture.engine.stream(request, { signal: new AbortController().signal })) void part;
  assert.deepEqual(fixture.mock.requests[0]?.body.messages, [
    {
      role: "user",
      content: [
        { type: "text", text: "What is this?" },
        { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
      ],
    },
  ]);
});

test("tool_choice maps to Anthropic's, and is only sent with tools", () => {
  const withChoice = (toolChoice: unknown, extra?: Record<string, unknown>) =>
    toAnthropicRequest({ ...helloRequest, tools: [weatherTool], toolChoice, ...(extra ? { extra } : {}) }, 100).tool_choice;
  assert.deepEqual(withChoice("auto"), { type: "auto" });
  assert.deepEqual(withChoice("required"), { type: "any" });
  assert.deepEqual(withChoice("none"), { type: "none" });
  assert.deepEqual(withChoice({ type: "function", function: { name: "get_weather" } }), { type: "tool", name: "get_weather" });
  assert.equal(withChoice(undefined), undefined);
  assert.deepEqual(withChoice(undefined, { parallel_tool_calls: false }), { type: "auto", disable_parallel_tool_use: true });
  assert.deepEqual(withChoice("required", { parallel_tool_calls: false }), { type: "any", disable_parallel_tool_use: true });
  assert.equal(toAnthropicRequest({ ...helloRequest, toolChoice: "none" }, 100).tool_choice, undefined);
  assert.throws(
    () => withChoice({ type: "function" }),
    (error: unknown) => error instanceof GatewayError && error.code === "invalid_request" && error.param === "tool_choice",
  );
});

test("tool call arguments that are not JSON are refused as invalid_request, before anything is sent", async () => {
  const request: ChatRequest = {
    model: "claude-test",
    messages: [
      { role: "user", content: "Weather?" },
      { role: "assistant", content: null, toolCalls: [{ id: "toolu_01", type: "function", function: { name: "get_weather", arguments: '{"city": "Par' } }] },
      { role: "tool", toolCallId: "toolu_01", content: "sunny" },
    ],
  };
  const error = thrownBeforeOutput(await run({}, request));
  assert.equal(error.code, "invalid_request");
  assert.equal(error.retryable, false);
  assert.match(error.message, /get_weather/);
  assert.equal(fixture.mock.requests.length, 0);
});

test("tool_use blocks stream as tool-call deltas indexed by tool, thinking is skipped, and they collect into tool calls", async () => {
  const script: AnthropicMockScript = {
    thinking: "The user wants the weather.",
    chunks: ["Checking ", "both."],
    toolUses: [
      { id: "toolu_01", name: "get_weather", json: '{"city": "Paris"}' },
      { id: "toolu_02", name: "get_weather", json: '{"city": "Oslo", "units": "metric"}' },
    ],
    usage: { input_tokens: 20, output_tokens: 30 },
  };
  const { parts, thrown } = await run(script);
  assert.equal(thrown, undefined);
  const pieces = (json: string, index: number) => (json.match(/.{1,7}/g) ?? []).map((argumentsDelta) => ({ type: "tool-call-delta", index, argumentsDelta }));
  assert.deepEqual(parts, [
    { type: "text-delta", text: "Checking " },
    { type: "text-delta", text: "both." },
    { type: "tool-call-delta", index: 0, id: "toolu_01", name: "get_weather" },
    ...pieces('{"city": "Paris"}', 0),
    { type: "tool-call-delta", index: 1, id: "toolu_02", name: "get_weather" },
    ...pieces('{"city": "Oslo", "units": "metric"}', 1),
    { type: "finish", reason: "tool_calls" },
    { type: "usage", usage: { inputTokens: 20, outputTokens: 30, totalTokens: 50 } },
  ]);

  fixture.mock.script = () => script;
  const collected = await collectStream(fixture.engine.stream(helloRequest, { signal: new AbortController().signal, coalesce: true }));
  assert.equal(collected.text, "Checking both.");
  assert.deepEqual(
    collected.toolCalls.map((call) => [call.id, call.function.name, JSON.parse(call.function.arguments) as unknown]),
    [
      ["toolu_01", "get_weather", { city: "Paris" }],
      ["toolu_02", "get_weather", { city: "Oslo", units: "metric" }],
    ],
  );
  assert.equal(collected.finishReason, "tool_calls");
});

test("usage counts cache reads and writes inside the prompt, and reports the cached share", async () => {
  const { parts } = await run({ text: "cached answer", usage: { input_tokens: 12, cache_read_input_tokens: 1000, cache_creation_input_tokens: 50, output_tokens: 9 } });
  assert.deepEqual(parts.at(-1), { type: "usage", usage: { inputTokens: 1062, cachedInputTokens: 1000, outputTokens: 9, totalTokens: 1071 } });
});

test("stop reasons map to finish reasons", async () => {
  const expected = { end_turn: "stop", stop_sequence: "stop", pause_turn: "stop", max_tokens: "length", tool_use: "tool_calls", refusal: "content_filter", model_context_window_exceeded: "length" };
  for (const [stopReason, reason] of Object.entries(expected)) {
    const { parts } = await run({ text: "some text", stopReason });
    assert.deepEqual(parts.find((part) => part.type === "finish"), { type: "finish", reason }, stopReason);
  }
});

test("a collecting consumer gets the text of one read as one part", async () => {
  fixture.mock.script = () => ({ chunks: ["a", "b", "c"] });
  const parts: StreamPart[] = [];
  for await (const part of fixture.engine.stream(helloRequest, { signal: new AbortController().signal, coalesce: true })) parts.push(part);
  const texts = parts.filter((part) => part.type === "text-delta");
  assert.equal(texts.map((part) => part.text).join(""), "abc");
  assert.ok(texts.length <= 3);
  assert.deepEqual(parts.slice(-2).map((part) => part.type), ["finish", "usage"]);
});

for (const status of [429, 529]) {
  test(`${status} with Retry-After is a retryable engine_overloaded carrying the wait and the upstream's message`, async () => {
    const error = thrownBeforeOutput(await run({ status, retryAfter: "12", errorMessage: "Slow down, please." }));
    assert.equal(error.code, "engine_overloaded");
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterSeconds, 12);
    assert.match(error.message, /Slow down, please\./);
  });
}

test("529 without Retry-After is still a retryable engine_overloaded", async () => {
  const error = thrownBeforeOutput(await run({ status: 529, errorMessage: "Overloaded" }));
  assert.equal(error.code, "engine_overloaded");
  assert.equal(error.retryable, true);
  assert.equal(error.retryAfterSeconds, undefined);
});

test("401 is an upstream_error that is not retried, naming the credential problem without echoing the key", async () => {
  const error = thrownBeforeOutput(await run({ status: 401, errorMessage: "invalid x-api-key: sk-ant-test" }));
  assert.equal(error.code, "upstream_error");
  assert.equal(error.retryable, false);
  assert.match(error.message, /API key/);
  assert.match(error.message, /authentication_error/);
  assert.ok(!error.message.includes("sk-ant-test"), error.message);
});

test("400 is invalid_request with the upstream's explanation", async () => {
  const error = thrownBeforeOutput(await run({ status: 400, errorMessage: "messages.0.content: text content blocks must be non-empty" }));
  assert.equal(error.code, "invalid_request");
  assert.equal(error.status, 400);
  assert.equal(error.retryable, false);
  assert.equal(error.message, "messages.0.content: text content blocks must be non-empty");
});

test("500 is a retryable upstream_error", async () => {
  const error = thrownBeforeOutput(await run({ status: 500, errorMessage: "Internal server error" }));
  assert.equal(error.code, "upstream_error");
  assert.equal(error.retryable, true);
});

test("a connection cut before any output is a retryable upstream_error", async () => {
  const error = thrownBeforeOutput(await run({ chunks: ["a", "b"], dropAfterDeltas: 0 }));
  assert.equal(error.code, "upstream_error");
  assert.equal(error.retryable, true);
});

test("a connection cut after output is thrown, not retryable, and never a clean finish", async () => {
  const { parts, thrown } = await run({ chunks: ["a", "b", "c"], dropAfterDeltas: 2 });
  assert.deepEqual(parts, [
    { type: "text-delta", text: "a" },
    { type: "text-delta", text: "b" },
  ]);
  assert.ok(thrown instanceof GatewayError);
  assert.equal(thrown.code, "upstream_error");
  assert.equal(thrown.retryable, false);
});

test("a connection cut after message_stop is a complete answer", async () => {
  const { parts, thrown } = await run({ chunks: ["a", "b"], usage: { input_tokens: 3, output_tokens: 2 }, dropAfterStop: true });
  assert.equal(thrown, undefined);
  assert.deepEqual(parts.slice(-2), [
    { type: "finish", reason: "stop" },
    { type: "usage", usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 } },
  ]);
});

test("a body that ends cleanly without message_stop is not a finished answer", async () => {
  const error = errorPartAfter(await run({ chunks: ["a", "b"], omitMessageStop: true }), ["a", "b"]);
  assert.equal(error.message, "upstream ended the stream before message_stop");
});

test("a malformed event is a retryable upstream_error before output, and an error part after", async () => {
  const early = thrownBeforeOutput(await run({ chunks: ["a", "b"], malformedAfterDeltas: 0 }));
  assert.equal(early.code, "upstream_error");
  assert.equal(early.retryable, true);
  assert.equal(early.message, "upstream sent a malformed event");

  const late = errorPartAfter(await run({ chunks: ["a", "b", "c"], malformedAfterDeltas: 2 }), ["a", "b"]);
  assert.equal(late.message, "upstream sent a malformed event");
});

test("an in-band error event before output is thrown: overloaded_error as a retryable engine_overloaded", async () => {
  const overloaded = thrownBeforeOutput(await run({ chunks: ["a"], errorEventAfterDeltas: { after: 0, type: "overloaded_error", message: "Overloaded" } }));
  assert.equal(overloaded.code, "engine_overloaded");
  assert.equal(overloaded.retryable, true);

  const other = thrownBeforeOutput(await run({ chunks: ["a"], errorEventAfterDeltas: { after: 0, type: "api_error", message: "Internal server error" } }));
  assert.equal(other.code, "upstream_error");
  assert.equal(other.retryable, true);
  assert.match(other.message, /Internal server error/);
});

test("an in-band error event after output ends the stream with an error part", async () => {
  const error = errorPartAfter(await run({ chunks: ["a", "b", "c"], errorEventAfterDeltas: { after: 2, type: "overloaded_error", message: "Overloaded" } }), ["a", "b"]);
  assert.match(error.message, /Overloaded/);
});

test("an abort mid-stream closes the upstream connection", async () => {
  fixture.mock.script = () => ({ chunks: ["a", "b", "c"], stallAfterDeltas: 1 });
  const controller = new AbortController();
  const parts: StreamPart[] = [];
  await assert.rejects(
    (async () => {
      for await (const part of fixture.engine.stream(helloRequest, { signal: controller.signal })) {
        parts.push(part);
        controller.abort();
      }
    })(),
    (error: Error) => error.name === "AbortError",
  );
  assert.deepEqual(parts, [{ type: "text-delta", text: "a" }]);
  await fixture.mock.waitForAborted(1);
  assert.equal(fixture.engine.status().inFlight, 0);
});

test("an abort while waiting for the answer's headers closes the upstream connection", async () => {
  fixture.mock.script = () => ({ hang: true });
  const controller = new AbortController();
  const pending = streamAll(fixture.engine, helloRequest, controller.signal);
  await fixture.mock.waitForRequests(1);
  assert.equal(fixture.engine.status().inFlight, 1);
  controller.abort();
  await assert.rejects(pending, (error: Error) => error.name === "AbortError");
  await fixture.mock.waitForAborted(1);
  assert.equal(fixture.engine.status().inFlight, 0);
});

test("a consumer that stops reading closes the upstream connection", async () => {
  fixture.mock.script = () => ({ chunks: ["a", "b", "c"], stallAfterDeltas: 1 });
  for await (const part of fixture.engine.stream(helloRequest, { signal: new AbortController().signal })) {
    assert.deepEqual(part, { type: "text-delta", text: "a" });
    break;
  }
  await fixture.mock.waitForAborted(1);
  assert.equal(fixture.engine.status().inFlight, 0);
});
