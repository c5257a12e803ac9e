import { test } from "node:test";
import assert from "node:assert/strict";
import { collectStream } from "../../../src/engines/collectStream.js";
import type { ChatRequest, StreamPart } from "../../../src/engines/spec.js";
import { GatewayError } from "../../../src/errors.js";
import { helloRequest, startOpenAIEngineFixture, streamAll, type OpenAIEngineFixture } from "./openAIEngineFixture.js";

async function withFixture(
  body: (fixture: OpenAIEngineFixture) => Promise<void>,
  ...args: Parameters<typeof startOpenAIEngineFixture>
): Promise<void> {
  const fixture = await startOpenAIEngineFixture(...args);
  try {
    await body(fixture);
  } finally {
    await fixture.close();
  }
}

test("translates the request into OpenAI's snake_case, always streaming with usage", () =>
  withFixture(
    async ({ mock, engine }) => {
      const request: ChatRequest = {
        model: "mock-model",
        messages: [
          { role: "system", content: "be brief" },
          { role: "user", content: "weather?", name: "ada" },
          {
            role: "assistant",
            content: null,
            toolCalls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Oslo"}' } }],
          },
          { role: "tool", content: "sunny", toolCallId: "call_1" },
        ],
        maxTokens: 64,
        temperature: 0.2,
        topP: 0.9,
        stop: ["\n\n"],
        seed: 7,
        tools: [{ type: "function", function: { name: "weather", parameters: { type: "object" } } }],
        toolChoice: "auto",
        extra: { user: "u-1", logprobs: true, model: "other", stream: false, messages: [], stream_options: { continuous_usage_stats: true } },
      };
      for await (const part of engine.stream(request, { signal: new AbortController().signal, traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" })) void part;

      assert.equal(mock.requests.length, 1);
      const recorded = mock.requests[0];
      assert.ok(recorded);
      assert.equal(recorded.method, "POST");
      assert.equal(recorded.path, "/v1/chat/completions");
      assert.equal(recorded.headers.authorization, "Bearer sk-test-key");
      assert.equal(recorded.headers["openai-organization"], "org-1");
      assert.equal(recorded.headers.traceparent, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
      assert.equal(recorded.headers["content-type"], "application/json");
      assert.deepEqual(recorded.body, {
        user: "u-1",
        logprobs: true,
        model: "mock-model",
        messages: [
          { role: "system", content: "be brief" },
          { role: "user", content: "weather?", name: "ada" },
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Oslo"}' } }],
          },
          { role: "tool", content: "sunny", tool_call_id: "call_1" },
        ],
        stream: true,
        stream_options: { continuous_usage_stats: true, include_usage: true },
        max_tokens: 64,
        temperature: 0.2,
        top_p: 0.9,
        stop: ["\n\n"],
        seed: 7,
        tools: [{ type: "function", function: { name: "weather", parameters: { type: "object" } } }],
        tool_choice: "auto",
      });
    },
    { apiKey: "sk-test-key", headers: { "OpenAI-Organization": "org-1" } },
  ));

test("sends no authorization or traceparent when there is none", () =>
  withFixture(async ({ mock, engine }) => {
    await streamAll(engine);
    const headers = mock.requests[0]?.headers ?? {};
    assert.equal(headers.authorization, undefined);
    assert.equal(headers.traceparent, undefined);
  }));

test("streams text deltas that join to the upstream's text, then finish, then usage", () =>
  withFixture(async ({ mock, engine }) => {
    mock.script = () => ({ chunks: ["Hel", "lo", ", wor", "ld"], usage: { prompt_tokens: 11, completion_tokens: 4 } });
    const parts = await streamAll(engine);
    assert.deepEqual(parts, [
      { type: "text-delta", text: "Hel" },
      { type: "text-delta", text: "lo" },
      { type: "text-delta", text: ", wor" },
      { type: "text-delta", text: "ld" },
      { type: "finish", reason: "stop" },
      { type: "usage", usage: { inputTokens: 11, outputTokens: 4, totalTokens: 15 } },
    ]);
  }));

test("coalesce (a collected answer): text arriving in one read comes as one part, and nothing else changes", () =>
  withFixture(async ({ mock, engine }) => {
    // The mock writes the whole stream at once, so every chunk arrives in the same read.
    mock.script = () => ({ chunks: ["Hel", "lo", ", wor", "ld"], usage: { prompt_tokens: 11, completion_tokens: 4 } });
    const parts: StreamPart[] = [];
    for await (const part of engine.stream(helloRequest, { signal: new AbortController().signal, coalesce: true })) parts.push(part);
    assert.deepEqual(parts, [
      { type: "text-delta", text: "Hello, world" },
      { type: "finish", reason: "stop" },
      { type: "usage", usage: { inputTokens: 11, outputTokens: 4, totalTokens: 15 } },
    ]);
  }));

test("upstreamStreaming client: a collected answer is asked for whole, a streamed one still streams", () =>
  withFixture(
    async ({ mock, engine }) => {
      assert.equal(engine.wholeWhenCoalesced, true);
      mock.script = () => ({ chunks: ["Hel", "lo"], usage: { prompt_tokens: 11, completion_tokens: 2 }, toolCalls: [{ id: "c1", name: "f", arguments: '{"a":1}' }] });
      const request: ChatRequest = { ...helloRequest, extra: { stream_options: { continuous_usage_stats: true } } };
      const whole = await collectStream(engine.stream(request, { signal: new AbortController().signal, coalesce: true }));
      assert.equal(whole.text, "Hello");
      assert.deepEqual(whole.toolCalls, [{ id: "c1", type: "function", function: { name: "f", arguments: '{"a":1}' } }]);
      assert.deepEqual(whole.usage, { inputTokens: 11, outputTokens: 2, totalTokens: 13 });
      const asked = mock.requests[0];
      assert.equal(asked?.body.stream, false);
      // stream_options is only valid on a streamed call; OpenAI refuses it otherwise.
      assert.equal("stream_options" in (asked?.body ?? {}), false);
      assert.equal(asked?.headers.accept, "application/json");

      const streamed = await streamAll(engine, request);
      assert.deepEqual(streamed.filter((part) => part.type === "text-delta"), [
        { type: "text-delta", text: "Hel" },
        { type: "text-delta", text: "lo" },
      ]);
      assert.equal(mock.requests[1]?.body.stream, true);
      assert.deepEqual(mock.requests[1]?.body.stream_options, { continuous_usage_stats: true, include_usage: true });
      assert.equal(mock.requests[1]?.headers.accept, "text/event-stream");
    },
    { upstreamStreaming: "client" },
  ));

test("upstreamStreaming always (the default): a collected answer still streams from the upstream", () =>
  withFixture(async ({ mock, engine }) => {
    assert.equal(engine.wholeWhenCoalesced, false);
    await collectStream(engine.stream(helloRequest, { signal: new AbortController().signal, coalesce: true }));
    assert.equal(mock.requests[0]?.body.stream, true);
    assert.equal(mock.requests[0]?.headers.accept, "text/event-stream");
  }));

test("tool-call deltas merge via collectStream into the upstream's tool calls", () =>
  withFixture(async ({ mock, engine }) => {
    const calls = [
      { id: "call_a", name: "weather", arguments: '{"city":"Oslo","unit":"celsius"}' },
      { id: "call_b", name: "time", arguments: '{"zone":"Europe/Oslo"}' },
    ];
    mock.script = () => ({ toolCalls: calls });
    const collected = await collectStream(engine.stream(helloRequest, { signal: new AbortController().signal }));
    assert.equal(collected.finishReason, "tool_calls");
    assert.equal(collected.text, "");
    assert.deepEqual(
      collected.toolCalls,
      calls.map((call) => ({ id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } })),
    );
  }));

test("usage maps cached and reasoning tokens; none is invented when the upstream sends none", () =>
  withFixture(async ({ mock, engine }) => {
    mock.script = () => ({
      usage: {
        prompt_tokens: 120,
        completion_tokens: 30,
        prompt_tokens_details: { cached_tokens: 100 },
        completion_tokens_details: { reasoning_tokens: 12 },
      },
    });
    const usage = (await collectStream(engine.stream(helloRequest, { signal: new AbortController().signal }))).usage;
    assert.deepEqual(usage, { inputTokens: 120, outputTokens: 30, totalTokens: 150, cachedInputTokens: 100, reasoningTokens: 12 });

    mock.script = () => ({ usage: null });
    const parts = await streamAll(engine);
    assert.ok(!parts.some((part) => part.type === "usage"));
    assert.equal(parts.at(-1)?.type, "finish");
  }));

test("parses CRLF, comments, odd chunk boundaries and usage on the finish chunk", () =>
  withFixture(async ({ mock, engine }) => {
    const chunk = (value: unknown) => `data: ${JSON.stringify(value)}\r\n\r\n`;
    const body =
      ": keep-alive\r\n\r\n" +
      chunk({ choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] }) +
      chunk({ choices: [{ index: 0, delta: { content: "Grüße, " }, finish_reason: null }] }) +
      "event: message\r\nid: 3\r\n" +
      chunk({ choices: [{ index: 0, delta: { content: "世界" }, finish_reason: null }] }) +
      chunk({ choices: [{ index: 0, delta: {}, finish_reason: "length" }], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }) +
      "data: [DONE]\r\n\r\n";
    // Split inside multi-byte characters, inside "\r\n" and inside field names.
    const bytes = Buffer.from(body, "utf8");
    const pieces: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 7) pieces.push(bytes.subarray(i, i + 7));
    mock.script = () => ({ rawBody: pieces });
    const parts = await streamAll(engine);
    assert.deepEqual(parts, [
      { type: "text-delta", text: "Grüße, " },
      { type: "text-delta", text: "世界" },
      { type: "finish", reason: "length" },
      { type: "usage", usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7 } },
    ]);
  }));

test("a stream that finishes but never sends [DONE] still completes", () =>
  withFixture(async ({ mock, engine }) => {
    mock.script = () => ({
      rawBody: [
        `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "ok" }, finish_reason: "stop" }] })}\n\n`,
        `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 1 } })}`,
      ],
    });
    const parts = await streamAll(engine);
    assert.deepEqual(parts.map((part) => part.type), ["text-delta", "finish", "usage"]);
  }));

test("an upstream that ignores stream: true and answers with JSON is still understood", () =>
  withFixture(async ({ mock, engine }) => {
    mock.script = () => ({
      ignoreStream: true,
      toolCalls: [{ id: "call_1", name: "lookup", arguments: '{"q":1}' }],
      usage: { prompt_tokens: 4, completion_tokens: 3 },
    });
    const collected = await collectStream(engine.stream(helloRequest, { signal: new AbortController().signal }));
    assert.equal(collected.text, "");
    assert.deepEqual(collected.toolCalls, [{ id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":1}' } }]);
    assert.equal(collected.finishReason, "tool_calls");
    assert.deepEqual(collected.usage, { inputTokens: 4, outputTokens: 3, totalTokens: 7 });
  }));

test("an in-band error ends the stream with an error part", () =>
  withFixture(async ({ mock, engine }) => {
    mock.script = () => ({ chunks: ["one ", "two ", "three"], midStreamError: { afterChunks: 2, message: "the model crashed" } });
    const parts = await streamAll(engine);
    assert.deepEqual(parts.slice(0, 2), [
      { type: "text-delta", text: "one " },
      { type: "text-delta", text: "two " },
    ]);
    assert.equal(parts.length, 3);
    const last = parts[2];
    assert.ok(last?.type === "error");
    assert.ok(last.error instanceof GatewayError);
    assert.equal(last.error.code, "upstream_error");
    assert.equal(last.error.message, "the model crashed");
  }));

test("a dropped connection before finish is an upstream_error, not a silent end", () =>
  withFixture(async ({ mock, engine }) => {
    mock.script = () => ({ dropAfterChunks: 2 });
    const parts: StreamPart[] = [];
    await assert.rejects(
      (async () => {
        for await (const part of engine.stream(helloRequest, { signal: new AbortController().signal })) parts.push(part);
      })(),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.code === "upstream_error" &&
        error.message === "upstream closed the stream before it finished" &&
        !error.retryable,
    );
    assert.equal(parts.filter((part) => part.type === "text-delta").length, 2);
    assert.equal(engine.status().inFlight, 0);
  }));

test("aborting mid-stream closes the upstream connection", () =>
  withFixture(async ({ mock, engine }) => {
    mock.script = () => ({ stallAfterChunks: 1 });
    const controller = new AbortController();
    const seen: StreamPart[] = [];
    await assert.rejects(
      (async () => {
        for await (const part of engine.stream(helloRequest, { signal: controller.signal })) {
          seen.push(part);
          assert.equal(engine.status().inFlight, 1);
          controller.abort();
        }
      })(),
      { name: "AbortError" },
    );
    await mock.waitForAborted(1);
    assert.equal(seen.length, 1);
    assert.equal(engine.status().inFlight, 0);
  }));

test("aborting while waiting for the upstream's headers rejects with AbortError and closes the connection", () =>
  withFixture(async ({ mock, engine }) => {
    const controller = new AbortController();
    mock.script = () => {
      controller.abort();
      return { hang: true };
    };
    await assert.rejects(streamAll(engine, helloRequest, controller.signal), { name: "AbortError" });
    await mock.waitForAborted(1);
    assert.equal(engine.status().inFlight, 0);
  }));

test("a consumer that stops reading early closes the upstream connection", () =>
  withFixture(async ({ mock, engine }) => {
    mock.script = () => ({ stallAfterChunks: 1 });
    for await (const part of engine.stream(helloRequest, { signal: new AbortController().signal })) {
      assert.equal(part.type, "text-delta");
      break;
    }
    await mock.waitForAborted(1);
    assert.equal(engine.status().inFlight, 0);
  }));

test("completed streams leave their keep-alive connection for the next request", () =>
  withFixture(async ({ mock, engine }) => {
    for (let i = 0; i < 5; i++) await streamAll(engine);
    assert.equal(mock.completedStreams, 5);
    assert.equal(mock.abortedStreams, 0);
    // undici frees a socket for the pool a moment after the response ends, so the exact count is its business.
    assert.ok(mock.connections < 5, `${mock.connections} connections for 5 sequential streams`);
  }));
