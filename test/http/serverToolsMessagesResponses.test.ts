/**
 * Server tools on Anthropic's Messages API and OpenAI's Responses API, over real HTTP with the official SDKs: a
 * route with `serverTools` offers the gateway's tools (a real MCP server on loopback), runs the calls the mock
 * upstream makes as a model, asks again, and the client gets one answer in its own API's shape, streamed or not,
 * with no server call shown. A client's own tool still comes back to the client; a route without the feature
 * runs nothing.
 */
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { MockUpstream } from "../support/mockUpstream.js";
import type { TestGateway } from "../support/startGateway.js";
import { startServerToolsStack, type ServerToolsStack } from "../support/startServerToolsStack.js";
import type { TestMcpServer } from "../support/startMcpServer.js";
import { messagesOf, offeredToolsOf, toolConversation, toolMessagesOf } from "../support/toolConversation.js";
import { jsonOf } from "../support/apiTypes.js";

const usage = (prompt: number, completion: number) => ({ prompt_tokens: prompt, completion_tokens: completion });
const weatherCall = { id: "c1", name: "up__weather", arguments: '{"city":"Oslo"}' };
const forecast = { city: "Oslo", forecast: "sunny", celsius: 21 };
const clientTool = { name: "get_time", description: "The time in a city", input_schema: { type: "object" as const, properties: { city: { type: "string" } }, required: ["city"] } };

/** Calls the weather tool once, then answers with the text it was given, as a model would. */
const weatherThenAnswer = toolConversation([weatherCall], (results) => ({ text: `Forecast: ${results.get("c1")}`, usage: usage(20, 6) }));

/** Streamed: some text with the call, then the answer. */
const streamedWeather = toolConversation([weatherCall], () => ({ text: "It is sunny in Oslo.", usage: usage(25, 5) }));

describe("server tools on /v1/messages and /v1/responses", () => {
  let stack: ServerToolsStack | undefined;
  let mock: MockUpstream;
  let mcp: TestMcpServer;
  let gateway: TestGateway;
  let anthropic: Anthropic;
  let openai: OpenAI;
  let key = "";

  before(async () => {
    stack = await startServerToolsStack("apis-user");
    ({ mock, mcp, gateway, key } = stack);
    anthropic = new Anthropic({ baseURL: gateway.url, apiKey: key, maxRetries: 0 });
    openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
  });
  after(async () => {
    await stack?.stop();
  });
  beforeEach(() => mock.reset());

  /** The second engine call carries the model's call and the MCP server's result. */
  const assertToolRan = () => {
    assert.equal(mock.requests.length, 2, "two engine calls");
    assert.ok(offeredToolsOf(mock.requests[0]).includes("up__weather"), "the server tool is offered");
    assert.deepEqual(
      messagesOf(mock.requests[1]).map((message) => message.role),
      ["user", "assistant", "tool"],
    );
    assert.deepEqual(JSON.parse(toolMessagesOf(mock.requests[1])[0]?.content ?? ""), forecast);
    assert.deepEqual(mcp.calls.at(-1), { name: "weather", arguments: { city: "Oslo" } });
  };

  test("messages: the gateway runs the MCP tool and the client gets one text answer, end_turn, the usage of both calls", async () => {
    mock.script = weatherThenAnswer;
    const message = await anthropic.messages.create({ model: "agent", max_tokens: 200, messages: [{ role: "user", content: "Weather in Oslo?" }] });

    assertToolRan();
    assert.deepEqual(message.content.map((block) => block.type), ["text"], "no tool_use block for a server call");
    const [block] = message.content;
    assert.equal(block?.type === "text" ? block.text : "", `Forecast: ${JSON.stringify(forecast)}`);
    assert.equal(message.stop_reason, "end_turn");
    assert.equal(message.model, "vllm/mock-model");
    assert.equal(message.usage.input_tokens, 30);
    assert.equal(message.usage.output_tokens, 9);
  });

  test("messages, streamed with the SDK: text streams, no tool_use block opens, the stream ends once with end_turn", async () => {
    mock.script = (request) =>
      toolMessagesOf(request).length === 0 ? { text: "Let me look. ", toolCalls: [weatherCall], usage: usage(10, 4) } : streamedWeather(request);
    const stream = anthropic.messages.stream({ model: "agent", max_tokens: 200, messages: [{ role: "user", content: "Weather?" }] });
    let streamed = "";
    const blockTypes: string[] = [];
    stream.on("text", (delta) => {
      streamed += delta;
    });
    stream.on("streamEvent", (event) => {
      if (event.type === "content_block_start") blockTypes.push(event.content_block.type);
    });
    const final = await stream.finalMessage();

    assert.equal(mock.requests.length, 2);
    assert.equal(mock.requests[1]?.body.stream, true, "each step streams");
    assert.equal(streamed, "Let me look. It is sunny in Oslo.");
    assert.deepEqual(blockTypes, ["text"], "one text block, no tool_use");
    assert.equal(final.stop_reason, "end_turn");
    assert.equal(final.usage.output_tokens, 9, "the output of both calls");
    assert.deepEqual(JSON.parse(toolMessagesOf(mock.requests[1])[0]?.content ?? ""), forecast);
  });

  test("messages: the client's own tool comes back to it as tool_use, offered before the server tools", async () => {
    mock.script = () => ({ toolCalls: [{ id: "call_t1", name: "get_time", arguments: '{"city":"Oslo"}' }], usage: usage(12, 3) });
    const message = await anthropic.messages.create({ model: "agent", max_tokens: 200, tools: [clientTool], messages: [{ role: "user", content: "Time in Oslo?" }] });

    assert.equal(mock.requests.length, 1, "nothing for the gateway to run");
    const offered = offeredToolsOf(mock.requests[0]);
    assert.equal(offered[0], "get_time");
    assert.ok(offered.includes("up__echo") && offered.includes("up__weather"), offered.join(", "));
    assert.equal(message.stop_reason, "tool_use");
    assert.deepEqual(message.content, [{ type: "tool_use", id: "call_t1", name: "get_time", input: { city: "Oslo" } }]);
  });

  test("messages: a client tool named like a server tool is a 400 in Anthropic's envelope, before any engine call", async () => {
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": anthropic.apiKey ?? "" },
      body: JSON.stringify({ model: "agent", max_tokens: 50, tools: [{ ...clientTool, name: "up__weather" }], messages: [{ role: "user", content: "hi" }] }),
    });
    assert.equal(response.status, 400);
    const body = await jsonOf<{ type: string; error: { type: string; message: string } }>(response);
    assert.equal(body.type, "error");
    assert.equal(body.error.type, "invalid_request_error");
    assert.match(body.error.message, /up__weather/);
    assert.equal(mock.requests.length, 0);
  });

  test("messages on a route without serverTools: nothing is offered and the model's call reaches the client unrun", async () => {
    mock.script = () => ({ toolCalls: [weatherCall], usage: usage(5, 2) });
    const message = await anthropic.messages.create({ model: "plain", max_tokens: 50, messages: [{ role: "user", content: "Weather?" }] });
    assert.equal(mock.requests.length, 1);
    assert.deepEqual(offeredToolsOf(mock.requests[0]), []);
    assert.equal(message.stop_reason, "tool_use");
    assert.equal(message.content[0]?.type, "tool_use");
  });

  test("responses: the gateway runs the MCP tool; the response holds one message, no function_call item, the summed usage", async () => {
    mock.script = weatherThenAnswer;
    const response = await openai.responses.create({ model: "agent", input: "Weather in Oslo?" });

    assertToolRan();
    assert.equal(response.status, "completed");
    assert.deepEqual(response.output.map((item) => item.type), ["message"]);
    assert.equal(response.output_text, `Forecast: ${JSON.stringify(forecast)}`);
    assert.equal(response.usage?.input_tokens, 30);
    assert.equal(response.usage?.output_tokens, 9);
  });

  test("responses, streamed with the SDK: the text of both steps streams, no function call event, one completed response", async () => {
    mock.script = (request) =>
      toolMessagesOf(request).length === 0 ? { text: "Let me look. ", toolCalls: [weatherCall], usage: usage(10, 4) } : streamedWeather(request);
    const stream = openai.responses.stream({ model: "agent", input: "Weather?" });
    const types = new Set<string>();
    let streamed = "";
    stream.on("event", (event) => types.add(event.type));
    stream.on("response.output_text.delta", (event) => {
      streamed += event.delta;
    });
    const final = await stream.finalResponse();

    assert.equal(mock.requests.length, 2);
    assert.equal(streamed, "Let me look. It is sunny in Oslo.");
    assert.ok(!types.has("response.function_call_arguments.delta"), [...types].join(", "));
    assert.deepEqual(final.output.map((item) => item.type), ["message"]);
    assert.equal(final.status, "completed");
    assert.equal(final.usage?.output_tokens, 9);
  });
});
