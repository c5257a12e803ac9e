import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../../support/mockUpstream.js";

let mock: MockUpstream;
before(async () => {
  mock = await startMockUpstream();
});
beforeEach(() => mock.reset());
after(() => mock.close());

function post(body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
  return fetch(`${mock.url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

function dataLines(sse: string): string[] {
  return sse
    .split("\n\n")
    .filter((event) => event.length > 0)
    .map((event) => {
      assert.ok(event.startsWith("data: "), `an SSE data event: ${event}`);
      return event.slice("data: ".length);
    });
}

const messages = [{ role: "user", content: "say hello to me" }];

test("mock upstream streams OpenAI chat.completion.chunk events, usage last, then [DONE]", async () => {
  const response = await post({ model: "m1", messages, stream: true, stream_options: { include_usage: true } });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
  const lines = dataLines(await response.text());
  assert.equal(lines.at(-1), "[DONE]");
  const chunks = lines.slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);

  for (const chunk of chunks) {
    assert.equal(chunk.object, "chat.completion.chunk");
    assert.equal(chunk.model, "m1");
    assert.equal(typeof chunk.created, "number");
    assert.equal(chunk.id, chunks[0]?.id);
  }
  const usageChunk = chunks.at(-1) as { choices: unknown[]; usage: Record<string, number> };
  assert.deepEqual(usageChunk.choices, []);
  const choiceChunks = chunks.slice(0, -1) as Array<{ usage: null; choices: Array<{ index: number; delta: { role?: string; content?: string }; finish_reason: string | null; logprobs: null }> }>;
  assert.equal(choiceChunks[0]?.choices[0]?.delta.role, "assistant");
  for (const chunk of choiceChunks) {
    assert.equal(chunk.usage, null);
    assert.equal(chunk.choices.length, 1);
    assert.equal(chunk.choices[0]?.index, 0);
    assert.equal(chunk.choices[0]?.logprobs, null);
  }
  const text = choiceChunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
  assert.equal(text, "Hello from the mock upstream, streamed in small pieces.");
  assert.equal(choiceChunks.at(-1)?.choices[0]?.finish_reason, "stop");
  const contentChunks = choiceChunks.filter((chunk) => (chunk.choices[0]?.delta.content ?? "").length > 0).length;
  assert.deepEqual(usageChunk.usage, { prompt_tokens: 4, completion_tokens: contentChunks, total_tokens: 4 + contentChunks });

  assert.equal(mock.requests.length, 1);
  assert.equal(mock.requests[0]?.path, "/v1/chat/completions");
  assert.equal(mock.completedStreams, 1);
  assert.equal(mock.inFlight, 0);
});

test("mock upstream sends no usage chunk unless asked, and streams scripted tool calls", async () => {
  mock.script = () => ({ toolCalls: [{ id: "call_1", name: "lookup", arguments: '{"q":"weather"}' }] });
  const lines = dataLines(await (await post({ model: "m1", messages, stream: true })).text());
  const chunks = lines.slice(0, -1).map((line) => JSON.parse(line) as { usage?: unknown; choices: Array<{ delta: { tool_calls?: Array<{ index: number; id?: string; function: { name?: string; arguments: string } }> }; finish_reason: string | null }> });
  assert.ok(chunks.every((chunk) => chunk.usage === undefined && chunk.choices.length === 1));
  const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
  assert.equal(deltas[0]?.id, "call_1");
  assert.equal(deltas[0]?.function.name, "lookup");
  assert.ok(deltas.filter((delta) => delta.function.arguments.length > 0).length >= 2, "arguments in two or more pieces");
  assert.equal(deltas.map((delta) => delta.function.arguments).join(""), '{"q":"weather"}');
  assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, "tool_calls");
});

test("mock upstream answers non-streaming requests with a chat.completion", async () => {
  mock.script = () => ({ text: "Just this.", usage: { prompt_tokens: 3, completion_tokens: 2 } });
  const response = await post({ model: "m2", messages });
  assert.equal(response.status, 200);
  const completion = (await response.json()) as Record<string, unknown>;
  assert.equal(completion.object, "chat.completion");
  assert.equal(completion.model, "m2");
  assert.deepEqual(completion.choices, [
    { index: 0, message: { role: "assistant", content: "Just this.", refusal: null }, logprobs: null, finish_reason: "stop" },
  ]);
  assert.deepEqual(completion.usage, { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
});

test("mock upstream sends OpenAI-shaped errors with Retry-After, and lists models", async () => {
  mock.script = () => ({ status: 429, errorMessage: "slow down", retryAfter: "7" });
  const response = await post({ model: "m1", messages, stream: true });
  assert.equal(response.status, 429);
  assert.equal(response.headers.get("retry-after"), "7");
  assert.deepEqual(await response.json(), { error: { message: "slow down", type: "rate_limit_error", param: null, code: null } });

  const models = (await (await fetch(`${mock.url}/models`)).json()) as { object: string; data: Array<{ id: string; object: string }> };
  assert.equal(models.object, "list");
  assert.deepEqual(models.data.map((model) => [model.id, model.object]), [["mock-model", "model"]]);
});

test("mock upstream counts a stream the client abandons as aborted", async () => {
  let arrive = () => {};
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  mock.script = () => {
    arrive();
    return { hang: true };
  };
  const controller = new AbortController();
  const response = post({ model: "m1", messages, stream: true }, controller.signal);
  await arrived;
  assert.equal(mock.inFlight, 1);
  controller.abort();
  await assert.rejects(response, { name: "AbortError" });
  await mock.waitForAborted(1);
  assert.equal(mock.abortedStreams, 1);
  assert.equal(mock.completedStreams, 0);
});

test("mock upstream's malformedAfterChunks sends a broken line, then the rest of the stream and [DONE]", async () => {
  mock.script = () => ({ chunks: ["a", "b", "c"], malformedAfterChunks: 2 });
  const lines = dataLines(await (await post({ model: "m1", messages, stream: true })).text());
  const broken = lines.indexOf("{not json");
  assert.ok(broken > 0, "the malformed line is there");
  const contentBefore = lines.slice(0, broken).filter((line) => line.includes('"content":"a"') || line.includes('"content":"b"'));
  assert.equal(contentBefore.length, 2, "after exactly two text chunks");
  const after = lines.slice(broken + 1);
  assert.ok(after.some((line) => line.includes('"content":"c"')));
  assert.ok(after.some((line) => line.includes('"finish_reason":"stop"')));
  assert.equal(lines.at(-1), "[DONE]");
  assert.equal(lines.filter((line) => line === "{not json").length, 1);
});

test("mock upstream's omitFinishReason streams no finish_reason but still ends with [DONE]", async () => {
  mock.script = () => ({ omitFinishReason: true });
  const lines = dataLines(await (await post({ model: "m1", messages, stream: true })).text());
  assert.equal(lines.at(-1), "[DONE]");
  const chunks = lines.slice(0, -1).map((line) => JSON.parse(line) as { choices: Array<{ finish_reason: string | null }> });
  assert.ok(chunks.length > 1);
  assert.ok(chunks.every((chunk) => chunk.choices.every((choice) => choice.finish_reason === null)));

  const completion = (await (await post({ model: "m1", messages })).json()) as { choices: Array<{ finish_reason: string | null }> };
  assert.equal(completion.choices[0]?.finish_reason, null);
});

test("mock upstream's maxInFlight is the most responses open at once, and reset() zeroes it", async () => {
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let arrivals = 0;
  let allArrived = () => {};
  const arrived = new Promise<void>((resolve) => (allArrived = resolve));
  mock.script = () => {
    if (++arrivals === 5) allArrived();
    return { holdUntil: held, text: "ok" };
  };
  const responses = Array.from({ length: 5 }, () => post({ model: "m1", messages, stream: true }).then((response) => response.text()));
  await arrived;
  assert.equal(mock.maxInFlight, 5);
  release();
  for (const text of await Promise.all(responses)) assert.ok(text.endsWith("data: [DONE]\n\n"));
  assert.equal(mock.maxInFlight, 5, "the high-water mark stays after the responses end");

  mock.reset();
  assert.equal(mock.maxInFlight, 0);
  await (await post({ model: "m1", messages, stream: true })).text();
  await (await post({ model: "m1", messages, stream: true })).text();
  assert.equal(mock.maxInFlight, 1, "sequential requests never overlap");
});
