/**
 * The Bedrock engine against the ConverseStream mock: the exact signed request, tool use and usage as parts, the
 * error mapping, aborts, credentials from the environment, and a whole gateway serving it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { bedrockEngineSchema, type BedrockEngineConfig } from "../../../src/config/schema.js";
import { createBedrockEngine } from "../../../src/engines/bedrock/createBedrockEngine.js";
import type { ChatRequest, Engine, StreamPart } from "../../../src/engines/spec.js";
import { isGatewayError, type GatewayError } from "../../../src/errors.js";
import { endFrames, someTextFrames, startMockBedrockUpstream, textFrames, type MockBedrockUpstream } from "../../support/mockBedrockUpstream.js";
import { parseSse, postJson } from "../../support/readSse.js";
import { startGateway } from "../../support/startGateway.js";

const model = "anthropic.claude-test-v1:0";
const credentials = { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret" };
const hello: ChatRequest = { model, messages: [{ role: "user", content: "Say hello" }] };

function bedrockConfig(endpoint: string, overrides: Record<string, unknown> = {}): BedrockEngineConfig {
  return bedrockEngineSchema.parse({ name: "bedrock", type: "bedrock", region: "us-east-1", endpoint, credentials, models: [model], ...overrides });
}

async function withEngine(body: (engine: Engine, mock: MockBedrockUpstream) => Promise<void>, overrides: Record<string, unknown> = {}): Promise<void> {
  const mock = await startMockBedrockUpstream();
  const engine = createBedrockEngine(bedrockConfig(mock.origin, overrides));
  try {
    await body(engine, mock);
  } finally {
    await engine.close();
    await mock.close();
  }
}

async function streamAll(engine: Engine, request: ChatRequest = hello, signal = new AbortController().signal): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of engine.stream(request, { signal })) parts.push(part);
  return parts;
}

async function thrownBy(engine: Engine, request: ChatRequest = hello): Promise<GatewayError> {
  try {
    await streamAll(engine, request);
  } catch (error) {
    assert.ok(isGatewayError(error), String(error));
    return error;
  }
  assert.fail("the stream should have thrown");
}

test("bedrock: the signed ConverseStream request for a multi-turn conversation with images, tools and settings", async () => {
  await withEngine(async (engine, mock) => {
    const png = Buffer.from("fake png bytes").toString("base64");
    await streamAll(engine, {
      model,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "What is in this picture?", images: [{ mediaType: "image/png", data: png }] },
        { role: "user", content: "And the weather?" },
        { role: "assistant", content: null, toolCalls: [{ id: "call-1", type: "function", function: { name: "weather", arguments: '{"city":"Oslo"}' } }] },
        { role: "tool", toolCallId: "call-1", content: "rain" },
        { role: "user", content: "Thanks" },
      ],
      tools: [{ type: "function", function: { name: "weather", description: "Weather now", parameters: { type: "object", properties: { city: { type: "string" } } } } }],
      toolChoice: { type: "function", function: { name: "weather" } },
      maxTokens: 300,
      temperature: 0.2,
      topP: 0.9,
      stop: ["END"],
    });
    const [request] = mock.requests;
    assert.ok(request);
    assert.equal(request.path, "/model/anthropic.claude-test-v1%3A0/converse-stream");
    const authorization = String(request.headers.authorization);
    assert.match(authorization, /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/);
    const signed = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(";") ?? [];
    for (const name of ["host", "x-amz-date", "content-type"]) assert.ok(signed.includes(name), `${name} is signed (${signed.join(";")})`);
    assert.match(String(request.headers["x-amz-date"]), /^\d{8}T\d{6}Z$/);
    assert.deepEqual(request.body, {
      system: [{ text: "Be brief." }],
      messages: [
        { role: "user", content: [{ text: "What is in this picture?" }, { image: { format: "png", source: { bytes: png } } }, { text: "And the weather?" }] },
        { role: "assistant", content: [{ toolUse: { toolUseId: "call-1", name: "weather", input: { city: "Oslo" } } }] },
        { role: "user", content: [{ toolResult: { toolUseId: "call-1", content: [{ text: "rain" }] } }, { text: "Thanks" }] },
      ],
      inferenceConfig: { maxTokens: 300, temperature: 0.2, topP: 0.9, stopSequences: ["END"] },
      toolConfig: {
        tools: [{ toolSpec: { name: "weather", description: "Weather now", inputSchema: { json: { type: "object", properties: { city: { type: "string" } } } } } }],
        toolChoice: { tool: { name: "weather" } },
      },
    });
  });
});

test("bedrock: defaults — maxTokens from the config, auto tool choice, none leaves tools out; a session token is sent", async () => {
  await withEngine(
    async (engine, mock) => {
      const tools: ChatRequest["tools"] = [{ type: "function", function: { name: "t" } }];
      await streamAll(engine, { ...hello, tools });
      await streamAll(engine, { ...hello, tools, toolChoice: "required" });
      await streamAll(engine, { ...hello, tools, toolChoice: "none" });
      const bodies = mock.requests.map((request) => request.body as { inferenceConfig: unknown; toolConfig?: { toolChoice: unknown } });
      assert.deepEqual(bodies[0]?.inferenceConfig, { maxTokens: 128 });
      assert.deepEqual(bodies[0]?.toolConfig?.toolChoice, { auto: {} });
      assert.deepEqual(bodies[1]?.toolConfig?.toolChoice, { any: {} });
      assert.equal(bodies[2]?.toolConfig, undefined);
      assert.equal(mock.requests[0]?.headers["x-amz-security-token"], "session-token");
    },
    { defaultMaxTokens: 128, credentials: { ...credentials, sessionToken: "session-token" } },
  );
});

test("bedrock: unparsable tool-call arguments are an invalid_request, sent nowhere", async () => {
  await withEngine(async (engine, mock) => {
    const error = await thrownBy(engine, {
      model,
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: null, toolCalls: [{ id: "c", type: "function", function: { name: "f", arguments: "{not json" } }] },
      ],
    });
    assert.equal(error.code, "invalid_request");
    assert.equal(mock.requests.length, 0);
  });
});

test("bedrock: tool use streams into tool-call deltas; usage (cache reads included) comes after the finish", async () => {
  await withEngine(async (engine, mock) => {
    mock.next({
      frames: [
        { event: "messageStart", payload: { role: "assistant" } },
        { event: "contentBlockDelta", payload: { contentBlockIndex: 0, delta: { reasoningContent: { text: "thinking" } } } },
        { event: "contentBlockDelta", payload: { contentBlockIndex: 1, delta: { text: "Checking." } } },
        { event: "contentBlockStart", payload: { contentBlockIndex: 2, start: { toolUse: { toolUseId: "tu-1", name: "weather" } } } },
        { event: "contentBlockDelta", payload: { contentBlockIndex: 2, delta: { toolUse: { input: '{"city":' } } } },
        { event: "contentBlockDelta", payload: { contentBlockIndex: 2, delta: { toolUse: { input: '"Oslo"}' } } } },
        { event: "contentBlockStop", payload: { contentBlockIndex: 2 } },
        { event: "contentBlockStart", payload: { contentBlockIndex: 3, start: { toolUse: { toolUseId: "tu-2", name: "time" } } } },
        { event: "contentBlockDelta", payload: { contentBlockIndex: 3, delta: { toolUse: { input: "{}" } } } },
        ...endFrames("tool_use", { inputTokens: 10, outputTokens: 7, totalTokens: 57, cacheReadInputTokens: 30, cacheWriteInputTokens: 10 }),
      ],
    });
    assert.deepEqual(await streamAll(engine), [
      { type: "text-delta", text: "Checking." },
      { type: "tool-call-delta", index: 0, id: "tu-1", name: "weather" },
      { type: "tool-call-delta", index: 0, argumentsDelta: '{"city":' },
      { type: "tool-call-delta", index: 0, argumentsDelta: '"Oslo"}' },
      { type: "tool-call-delta", index: 1, id: "tu-2", name: "time" },
      { type: "tool-call-delta", index: 1, argumentsDelta: "{}" },
      { type: "finish", reason: "tool_calls" },
      { type: "usage", usage: { inputTokens: 50, outputTokens: 7, totalTokens: 57, cachedInputTokens: 30 } },
    ]);
  });
});

test("bedrock: stop reasons map to finish reasons", async () => {
  await withEngine(async (engine, mock) => {
    const cases: Array<[string, string]> = [["end_turn", "stop"], ["stop_sequence", "stop"], ["max_tokens", "length"], ["guardrail_intervened", "content_filter"], ["content_filtered", "content_filter"]];
    for (const [stopReason, expected] of cases) {
      mock.next({ frames: textFrames("Hi there", { stopReason }) });
      const finish = (await streamAll(engine)).find((part) => part.type === "finish");
      assert.deepEqual(finish, { type: "finish", reason: expected }, stopReason);
    }
  });
});

test("bedrock: errors before output — throttling retryable, 403 names credentials, 400 invalid_request, 500 retryable", async () => {
  await withEngine(async (engine, mock) => {
    mock.next({ status: 429, errorType: "ThrottlingException", message: "slow down" });
    const throttled = await thrownBy(engine);
    assert.equal(throttled.code, "engine_overloaded");
    assert.equal(throttled.retryable, true);
    assert.equal(throttled.retryAfterSeconds, undefined, "Bedrock sends no Retry-After");

    mock.next({ status: 403, errorType: "AccessDeniedException", message: "not authorized to perform bedrock:InvokeModelWithResponseStream" });
    const denied = await thrownBy(engine);
    assert.equal(denied.code, "upstream_error");
    assert.equal(denied.retryable, false);
    assert.match(denied.message, /credentials/);

    mock.next({ status: 400, errorType: "ValidationException", message: "messages: roles must alternate" });
    const invalid = await thrownBy(engine);
    assert.equal(invalid.code, "invalid_request");
    assert.equal(invalid.retryable, false);
    assert.match(invalid.message, /roles must alternate/);

    mock.next({ status: 500, errorType: "InternalServerException", message: "oops" });
    const failed = await thrownBy(engine);
    assert.equal(failed.code, "upstream_error");
    assert.equal(failed.retryable, true);

    mock.next({ frames: [{ exception: "ThrottlingException", message: "in-band throttle" }] });
    const inBand = await thrownBy(engine);
    assert.equal(inBand.code, "engine_overloaded");
    assert.equal(inBand.retryable, true);
    assert.equal(engine.status().inFlight, 0);
  });
});

test("bedrock: an exception frame after output is a terminal error part, never a clean finish; an end without messageStop too", async () => {
  await withEngine(async (engine, mock) => {
    mock.next({ frames: [...someTextFrames(), { exception: "ModelStreamErrorException", message: "the model broke" }] });
    const parts = await streamAll(engine);
    assert.ok(parts.some((part) => part.type === "text-delta"));
    assert.ok(!parts.some((part) => part.type === "finish"));
    const last = parts.at(-1);
    assert.ok(last?.type === "error");
    assert.equal(last.error.code, "upstream_error");
    assert.equal(last.error.retryable, false);

    mock.next({ frames: someTextFrames() });
    const unfinished = await streamAll(engine);
    assert.equal(unfinished.at(-1)?.type, "error");
    assert.ok(!unfinished.some((part) => part.type === "finish"));
  });
});

test("bedrock: an abort mid-stream rejects with an AbortError and closes the upstream request", async () => {
  await withEngine(async (engine, mock) => {
    mock.next({ frames: someTextFrames(), hold: true });
    const controller = new AbortController();
    await assert.rejects(
      (async () => {
        for await (const part of engine.stream(hello, { signal: controller.signal })) if (part.type === "text-delta") controller.abort();
      })(),
      (error: Error) => error.name === "AbortError",
    );
    await mock.requests[0]?.closed;
    assert.equal(engine.status().inFlight, 0);
  });
});

test("bedrock: a consumer that stops reading early releases the upstream request", async () => {
  await withEngine(async (engine, mock) => {
    mock.next({ frames: someTextFrames(), hold: true });
    for await (const part of engine.stream(hello, { signal: new AbortController().signal })) if (part.type === "text-delta") break;
    await mock.requests[0]?.closed;
    assert.equal(engine.status().inFlight, 0);
  });
});

test("bedrock: without static credentials the SDK's default chain reads them from the environment", async () => {
  const names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"] as const;
  const saved = names.map((name) => [name, process.env[name]] as const);
  process.env.AWS_ACCESS_KEY_ID = "AKIDENV";
  process.env.AWS_SECRET_ACCESS_KEY = "env-secret";
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  try {
    await withEngine(
      async (engine, mock) => {
        const parts = await streamAll(engine);
        assert.ok(parts.some((part) => part.type === "finish"));
        assert.match(String(mock.requests[0]?.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDENV\/\d{8}\/us-east-1\/bedrock\/aws4_request,/);
      },
      { credentials: undefined },
    );
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});

test("bedrock config: region is required, the endpoint must be a URL, credentials need both keys", () => {
  assert.throws(() => bedrockEngineSchema.parse({ name: "b", type: "bedrock", models: [model] }));
  assert.throws(() => bedrockConfig("not a url"));
  assert.throws(() => bedrockConfig("http://127.0.0.1:1", { credentials: { accessKeyId: "AKID" } }));
  assert.equal(bedrockConfig("http://127.0.0.1:1").defaultMaxTokens, 4096);
});

test("bedrock through the gateway: /v1/chat/completions streamed and not", async () => {
  const mock = await startMockBedrockUpstream();
  const gateway = await startGateway({ engines: [{ name: "br", type: "bedrock", region: "us-east-1", endpoint: mock.origin, credentials, models: [model] }] });
  try {
    mock.script = () => ({ frames: textFrames("from bedrock") });
    const whole = await postJson(`${gateway.url}/v1/chat/completions`, { model: `br/${model}`, messages: [{ role: "user", content: "hi" }] });
    assert.equal(whole.status, 200);
    const body = (await whole.json()) as { model: string; choices: Array<{ message: { content: string }; finish_reason: string }>; usage: { prompt_tokens: number } };
    assert.equal(body.model, `br/${model}`);
    assert.equal(body.choices[0]?.message.content, "from bedrock");
    assert.equal(body.choices[0]?.finish_reason, "stop");
    assert.equal(body.usage.prompt_tokens, 12);

    const streamed = await postJson(`${gateway.url}/v1/chat/completions`, { model: `br/${model}`, stream: true, messages: [{ role: "user", content: "hi" }] });
    assert.equal(streamed.status, 200);
    const events = parseSse(await streamed.text());
    assert.equal(events.at(-1)?.data, "[DONE]");
    const text = events
      .filter((event) => event.data !== "[DONE]")
      .map((event) => (JSON.parse(event.data) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? "")
      .join("");
    assert.equal(text, "from bedrock");
    assert.equal(mock.requests.length, 2);
  } finally {
    await gateway.stop();
    await mock.close();
  }
});
