/**
 * OpenAI's Responses API in front of an OpenAI-compatible chat engine, through the official `openai` client and
 * on the raw wire: text, streams (event order exactly, with sequence numbers), the SDK's stream helper, function
 * call round trips, incomplete answers, and errors in OpenAI's envelope (refused fields, upstream failures before
 * and after the stream started).
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { parseSse, postJson } from "../support/readSse.js";
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

const scripted = { text: "The quick brown fox jumps over the lazy dog.", usage: { prompt_tokens: 17, completion_tokens: 9, prompt_tokens_details: { cached_tokens: 5 } } };
const weatherTool: OpenAI.Responses.FunctionTool = {
  type: "function",
  name: "get_weather",
  description: "The weather in a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  strict: false,
};
const usage = { input_tokens: 17, input_tokens_details: { cached_tokens: 5 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 26 };

async function streamEvents(body: Record<string, unknown>): Promise<Array<{ event: string; payload: Record<string, unknown> }>> {
  const response = await postJson(`${gateway.url}/v1/responses`, { ...body, stream: true });
  assert.equal(response.status, 200, await response.clone().text());
  assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
  return parseSse(await response.text()).map((event) => ({ event: event.event, payload: JSON.parse(event.data) as Record<string, unknown> }));
}

test("non-streaming: output_text, status and usage; instructions, items and sampling fields reach the engine translated", async () => {
  mock.script = () => scripted;
  const response = await client.responses.create({
    model: "vllm/mock-model",
    instructions: "Be brief.",
    input: [
      { role: "user", content: "Hello" },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "Hi, what can I do?", annotations: [] }], id: "msg_1", status: "completed" },
      { role: "developer", content: "Answer in English." },
      { type: "message", role: "user", content: [{ type: "input_text", text: "Tell me " }, { type: "input_text", text: "a story." }] },
    ],
    max_output_tokens: 100,
    temperature: 0.3,
    top_p: 0.9,
    user: "end-user-7",
    metadata: { ticket: "42" },
    reasoning: { effort: "low" },
    truncation: "auto",
  });
  assert.equal(response.object, "response");
  assert.match(response.id, /^resp_[0-9a-f]{24}$/);
  assert.equal(response.status, "completed");
  assert.equal(response.error, null);
  assert.equal(response.incomplete_details, null);
  assert.equal(response.model, "vllm/mock-model");
  assert.equal(response.output_text, scripted.text);
  assert.equal(response.output.length, 1);
  const message = response.output[0];
  assert.ok(message?.type === "message");
  assert.match(message.id, /^msg_[0-9a-f]{24}$/);
  assert.equal(message.status, "completed");
  assert.equal(message.role, "assistant");
  assert.deepEqual(message.content, [{ type: "output_text", text: scripted.text, annotations: [], logprobs: [] }]);
  assert.deepEqual(response.usage, usage);
  assert.equal(response.instructions, "Be brief.");
  assert.equal(response.max_output_tokens, 100);
  assert.equal(response.temperature, 0.3);
  assert.equal(response.top_p, 0.9);
  assert.deepEqual(response.metadata, { ticket: "42" });
  assert.deepEqual(response.tools, []);
  assert.equal(response.tool_choice, "auto");
  assert.equal(response.parallel_tool_calls, true);
  assert.equal((response as unknown as { store: boolean }).store, false, "the gateway stores nothing, and says so");
  assert.ok(Math.abs(response.created_at - Date.now() / 1000) < 60);

  const upstream = mock.requests[0]?.body;
  assert.equal(upstream?.model, "mock-model");
  assert.deepEqual(upstream?.messages, [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hello" },
    { role: "assistant", content: "Hi, what can I do?" },
    { role: "system", content: "Answer in English." },
    { role: "user", content: "Tell me a story." },
  ]);
  assert.equal(upstream?.max_tokens, 100);
  assert.equal(upstream?.temperature, 0.3);
  assert.equal(upstream?.top_p, 0.9);
  assert.equal(upstream?.user, "end-user-7");
  for (const field of ["reasoning", "truncation", "metadata", "instructions", "input", "store", "max_output_tokens"]) assert.equal(upstream?.[field], undefined, field);
});

test("a string input is one user turn; store: true is accepted and answered with store: false", async () => {
  mock.script = () => ({ text: "ok" });
  const response = await client.responses.create({ model: "mock-model", input: "hi", store: true });
  assert.equal(response.output_text, "ok");
  assert.equal((response as unknown as { store: boolean }).store, false);
  assert.deepEqual(mock.requests[0]?.body.messages, [{ role: "user", content: "hi" }]);
});

test("the raw event stream: OpenAI's names and order, increasing sequence numbers, the whole response at the end", async () => {
  mock.script = () => ({ chunks: ["Hel", "lo"], usage: scripted.usage });
  const events = await streamEvents({ model: "mock-model", input: "hi" });
  assert.deepEqual(
    events.map((event) => event.event),
    [
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ],
  );
  events.forEach(({ event, payload }, index) => {
    assert.equal(payload.type, event, "each payload's type is its event's name");
    assert.equal(payload.sequence_number, index);
  });
  const created = events[0]?.payload.response as Record<string, unknown>;
  assert.equal(created.status, "in_progress");
  assert.deepEqual(created.output, []);
  assert.equal(created.model, "vllm/mock-model");
  const added = events[2]?.payload as { output_index: number; item: { id: string } };
  assert.equal(added.output_index, 0);
  assert.deepEqual(added.item, { id: added.item.id, type: "message", status: "in_progress", role: "assistant", content: [] });
  const itemId = added.item.id;
  assert.deepEqual(events[3]?.payload, {
    type: "response.content_part.added",
    sequence_number: 3,
    item_id: itemId,
    output_index: 0,
    content_index: 0,
    part: { type: "output_text", annotations: [], logprobs: [], text: "" },
  });
  assert.deepEqual(events[4]?.payload, {
    type: "response.output_text.delta",
    sequence_number: 4,
    item_id: itemId,
    output_index: 0,
    content_index: 0,
    delta: "Hel",
    logprobs: [],
  });
  assert.equal(events[6]?.payload.text, "Hello");
  const done = events[8]?.payload.item as { status: string; content: unknown };
  assert.equal(done.status, "completed");
  assert.deepEqual(done.content, [{ type: "output_text", annotations: [], logprobs: [], text: "Hello" }]);
  const completed = events[9]?.payload.response as { id: string; status: string; output: unknown[]; usage: unknown };
  assert.equal(completed.id, (created as { id: string }).id);
  assert.equal(completed.status, "completed");
  assert.deepEqual(completed.output, [done]);
  assert.deepEqual(completed.usage, usage);
});

test("responses.create({stream: true}) with the SDK: the typed events carry what the stream sent", async () => {
  mock.script = () => scripted;
  const stream = await client.responses.create({ model: "vllm/mock-model", input: "hi", stream: true });
  let text = "";
  let last = -1;
  let final: OpenAI.Responses.Response | undefined;
  for await (const event of stream) {
    assert.ok(event.sequence_number > last, "sequence numbers increase");
    last = event.sequence_number;
    if (event.type === "response.output_text.delta") text += event.delta;
    if (event.type === "response.completed") final = event.response;
  }
  assert.equal(text, scripted.text);
  assert.equal(final?.status, "completed");
  assert.deepEqual(final?.usage, usage);
  assert.equal(mock.requests[0]?.body.stream, true);
});

test("responses.stream helper: text deltas join to the answer, finalResponse() has output_text and usage", async () => {
  mock.script = () => scripted;
  const stream = client.responses.stream({ model: "mock-model", input: [{ role: "user", content: "hi" }] });
  let streamed = "";
  stream.on("response.output_text.delta", (event) => {
    streamed += event.delta;
    assert.ok(event.snapshot.endsWith(event.delta));
  });
  const final = await stream.finalResponse();
  assert.equal(streamed, scripted.text);
  assert.equal(final.output_text, scripted.text);
  assert.equal(final.status, "completed");
  assert.deepEqual(final.usage, usage);
});

test("function call round trip: the call comes out as a function_call item; its output goes back as a tool message", async () => {
  mock.script = () => ({ text: "Let me check.", toolCalls: [{ id: "call_abc", name: "get_weather", arguments: '{"city":"Paris"}' }] });
  const stream = client.responses.stream({
    model: "mock-model",
    input: "Weather in Paris?",
    tools: [weatherTool],
    tool_choice: "required",
    parallel_tool_calls: false,
  });
  const types: string[] = [];
  const argumentPieces: string[] = [];
  stream.on("event", (event) => types.push(event.type));
  stream.on("response.function_call_arguments.delta", (event) => argumentPieces.push(event.delta));
  const first = await stream.finalResponse();
  assert.equal(first.status, "completed");
  assert.equal(first.output_text, "Let me check.");
  assert.equal(first.output.length, 2);
  const call = first.output[1];
  assert.ok(call?.type === "function_call");
  assert.match(call.id ?? "", /^fc_[0-9a-f]{24}$/);
  assert.equal(call.call_id, "call_abc");
  assert.equal(call.name, "get_weather");
  assert.equal(call.arguments, '{"city":"Paris"}');
  assert.equal(call.status, "completed");
  assert.ok(argumentPieces.length >= 2, "the arguments arrive in several deltas");
  // The message item closes before the function_call item opens.
  assert.deepEqual(types.slice(types.indexOf("response.output_item.done")), [
    "response.output_item.done",
    "response.output_item.added",
    ...argumentPieces.map(() => "response.function_call_arguments.delta"),
    "response.function_call_arguments.done",
    "response.output_item.done",
    "response.completed",
  ]);
  const sent = mock.requests[0]?.body;
  assert.deepEqual(sent?.tools, [
    { type: "function", function: { name: "get_weather", description: "The weather in a city", parameters: weatherTool.parameters, strict: false } },
  ]);
  assert.equal(sent?.tool_choice, "required");
  assert.equal(sent?.parallel_tool_calls, false);

  mock.script = () => ({ text: "It is sunny in Paris." });
  const second = await client.responses.create({
    model: "mock-model",
    tools: [weatherTool],
    tool_choice: { type: "function", name: "get_weather" },
    input: [{ role: "user", content: "Weather in Paris?" }, ...(first.output as OpenAI.Responses.ResponseInputItem[]), { type: "function_call_output", call_id: "call_abc", output: "sunny, 24 C" }],
  });
  assert.equal(second.output_text, "It is sunny in Paris.");
  const upstream = mock.requests[1]?.body;
  assert.deepEqual(upstream?.messages, [
    { role: "user", content: "Weather in Paris?" },
    { role: "assistant", content: "Let me check.", tool_calls: [{ id: "call_abc", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
    { role: "tool", content: "sunny, 24 C", tool_call_id: "call_abc" },
  ]);
  assert.deepEqual(upstream?.tool_choice, { type: "function", function: { name: "get_weather" } });
});

test("a non-streamed tool call, and consecutive function_call items merged into one assistant turn", async () => {
  mock.script = () => ({ toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city":"Oslo"}' }, { id: "call_2", name: "get_weather", arguments: '{"city":"Rome"}' }] });
  const response = await client.responses.create({ model: "mock-model", input: "Oslo and Rome?", tools: [weatherTool] });
  assert.equal(response.output_text, "");
  assert.deepEqual(
    response.output.map((item) => (item.type === "function_call" ? [item.type, item.call_id, item.arguments, item.status] : [item.type])),
    [
      ["function_call", "call_1", '{"city":"Oslo"}', "completed"],
      ["function_call", "call_2", '{"city":"Rome"}', "completed"],
    ],
  );

  mock.script = () => ({ text: "Cold and warm." });
  await client.responses.create({
    model: "mock-model",
    tools: [weatherTool],
    input: [
      { role: "user", content: "Oslo and Rome?" },
      ...(response.output as OpenAI.Responses.ResponseInputItem[]),
      { type: "function_call_output", call_id: "call_1", output: [{ type: "input_text", text: "-3 C" }] },
      { type: "function_call_output", call_id: "call_2", output: "21 C" },
    ],
  });
  assert.deepEqual(mock.requests[1]?.body.messages, [
    { role: "user", content: "Oslo and Rome?" },
    {
      role: "assistant",
      content: null,
      tool_calls: [
        { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
        { id: "call_2", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
      ],
    },
    { role: "tool", content: "-3 C", tool_call_id: "call_1" },
    { role: "tool", content: "21 C", tool_call_id: "call_2" },
  ]);
});

test("text.format json_schema reaches the engine as response_format", async () => {
  mock.script = () => ({ text: '{"city":"Paris"}' });
  const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false };
  const response = await client.responses.create({ model: "mock-model", input: "a city", text: { format: { type: "json_schema", name: "city", schema, strict: true } } });
  assert.equal(response.output_text, '{"city":"Paris"}');
  assert.deepEqual(mock.requests[0]?.body.response_format, { type: "json_schema", json_schema: { name: "city", schema, strict: true } });
});

test("a length finish is incomplete with max_output_tokens as the reason, streamed and not", async () => {
  mock.script = () => ({ text: "cut off mid", finishReason: "length" });
  const response = await client.responses.create({ model: "mock-model", input: "hi", max_output_tokens: 3 });
  assert.equal(response.status, "incomplete");
  assert.deepEqual(response.incomplete_details, { reason: "max_output_tokens" });
  assert.equal(response.output[0]?.type === "message" && response.output[0].status, "incomplete");
  assert.equal(response.output_text, "cut off mid");

  const events = await streamEvents({ model: "mock-model", input: "hi", max_output_tokens: 3 });
  const names = events.map((event) => event.event);
  assert.equal(names.at(-1), "response.incomplete");
  assert.ok(!names.includes("response.completed"));
  const final = events.at(-1)?.payload.response as { status: string; incomplete_details: unknown; output: Array<{ status: string }> };
  assert.equal(final.status, "incomplete");
  assert.deepEqual(final.incomplete_details, { reason: "max_output_tokens" });
  assert.equal(final.output[0]?.status, "incomplete");

  const helper = await client.responses.stream({ model: "mock-model", input: "hi", max_output_tokens: 3 }).finalResponse();
  assert.equal(helper.status, "incomplete");
  assert.equal(helper.output_text, "cut off mid");
});

test("errors come in OpenAI's envelope: a missing model, previous_response_id, hosted tools, images", async () => {
  const missing = await postJson(`${gateway.url}/v1/responses`, { input: "hi" });
  assert.equal(missing.status, 400);
  const body = (await missing.json()) as { error: { type: string; code: string; message: string; param: unknown } };
  assert.equal(body.error.type, "invalid_request_error");
  assert.equal(body.error.code, "invalid_request");
  assert.match(body.error.message, /model/);
  assert.ok("param" in body.error);

  const refusedWith = async (params: OpenAI.Responses.ResponseCreateParamsNonStreaming, param: string, message: RegExp) => {
    await assert.rejects(client.responses.create(params), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError, String(error));
      assert.equal(error.param, param);
      assert.equal(error.code, "invalid_request");
      assert.match(error.message, message);
      return true;
    });
  };
  await refusedWith({ model: "mock-model", input: "hi", previous_response_id: "resp_123" }, "previous_response_id", /stored responses are not supported yet.*input/);
  await refusedWith({ model: "mock-model", input: "hi", tools: [{ type: "web_search" }] }, "tools[0]", /tools of type "web_search" are not supported/);
  await refusedWith(
    {
      model: "mock-model",
      input: [{ role: "user", content: [{ type: "input_text", text: "what is this?" }, { type: "input_image", image_url: "https://example.com/a.png", detail: "auto" }] }],
    },
    "input[0].content[1].image_url",
    /send images as base64 data URLs/,
  );
  await refusedWith(
    { model: "mock-model", input: [{ role: "user", content: [{ type: "input_file", file_id: "file_1" }] }] },
    "input[0].content[0]",
    /content of type "input_file" is not supported/,
  );
  await refusedWith({ model: "mock-model", input: [{ type: "item_reference", id: "msg_1" }] }, "input[0]", /stored responses/);
  assert.equal(mock.requests.length, 0, "nothing reached the engine");
});

test("an upstream failure before the answer is an error response; a failure mid-stream ends with response.failed, never response.completed", async () => {
  mock.script = () => ({ status: 500, errorMessage: "upstream exploded" });
  await assert.rejects(client.responses.create({ model: "mock-model", input: "hi" }), (error: unknown) => {
    assert.ok(error instanceof OpenAI.APIError);
    assert.ok((error.status ?? 0) >= 500, String(error.status));
    return true;
  });
  await assert.rejects(client.responses.create({ model: "mock-model", input: "hi", stream: true }), (error: unknown) => error instanceof OpenAI.APIError && (error.status ?? 0) >= 500);

  mock.script = () => ({ chunks: ["partial ", "answer ", "never ", "finished"], midStreamError: { afterChunks: 2, message: "upstream fell over" } });
  const events = await streamEvents({ model: "mock-model", input: "hi" });
  const names = events.map((event) => event.event);
  assert.equal(names.at(-1), "response.failed");
  assert.ok(!names.includes("response.completed"), names.join(","));
  events.forEach(({ payload }, index) => assert.equal(payload.sequence_number, index));
  const failed = events.at(-1)?.payload.response as { status: string; error: { code: string; message: string }; output: Array<{ status: string; content: unknown }> };
  assert.equal(failed.status, "failed");
  assert.equal(failed.error.code, "server_error");
  assert.match(failed.error.message, /upstream fell over/);
  assert.equal(failed.output[0]?.status, "incomplete");
  assert.deepEqual(failed.output[0]?.content, [{ type: "output_text", annotations: [], logprobs: [], text: "partial answer " }]);

  const final = await client.responses.stream({ model: "mock-model", input: "hi" }).finalResponse();
  assert.equal(final.status, "failed", "the SDK's final response reports the failure");
  assert.match(final.error?.message ?? "", /upstream fell over/);
});

test("an input_image with a base64 data URL reaches the engine as an image with the message's text", async () => {
  const url = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
  mock.script = () => ({ text: "a dot" });
  const response = await client.responses.create({
    model: "mock-model",
    input: [{ role: "user", content: [{ type: "input_text", text: "what is this?" }, { type: "input_image", image_url: url, detail: "auto" }] }],
  });
  assert.equal(response.output_text, "a dot");
  assert.deepEqual(mock.requests[0]?.body.messages, [
    { role: "user", content: [{ type: "text", text: "what is this?" }, { type: "image_url", image_url: { url } }] },
  ]);
});
