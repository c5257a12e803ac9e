/**
 * While server tools run, a streamed answer sends nothing of its own, so the gateway keeps the connection alive
 * every `tools.streamKeepaliveMs`: an SSE comment on chat completions and responses, Anthropic's `ping` event on
 * messages. Checked on the raw wire (where they come, how many) and through the official SDKs, which must read
 * the stream as if they were not there. The slow tool is a real MCP server's call that never answers, cut by the
 * server's timeout.
 */
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { MockUpstream, RecordedRequest } from "../support/mockUpstream.js";
import type { TestGateway } from "../support/startGateway.js";
import { startServerToolsStack, type ServerToolsStack } from "../support/startServerToolsStack.js";
import { toolMessagesOf } from "../support/toolConversation.js";

const toolTimeoutMs = 1000;
const keepaliveMs = 100;
const slowCall = { id: "c1", name: "up__slow", arguments: "{}" };

/** Starts with some text and the slow call; once the call's (timed-out) result is in, answers. */
const slowThenAnswer = (request: RecordedRequest) =>
  toolMessagesOf(request).length === 0
    ? { text: "Checking. ", toolCalls: [slowCall], usage: { prompt_tokens: 10, completion_tokens: 3 } }
    : { text: "Done.", usage: { prompt_tokens: 20, completion_tokens: 2 } };

describe("keepalives while server tools run", () => {
  let stack: ServerToolsStack | undefined;
  let mock: MockUpstream;
  let gateway: TestGateway;
  let key = "";

  before(async () => {
    stack = await startServerToolsStack("keepalive-user", (server) => ({
      tools: {
        maxSteps: 3,
        timeoutMs: 5000,
        streamKeepaliveMs: keepaliveMs,
        mcp: [{ name: "up", transport: "http", url: `${server.url}/mcp`, tools: ["slow"], timeoutMs: toolTimeoutMs }],
      },
    }));
    ({ mock, gateway, key } = stack);
  });
  after(async () => {
    await stack?.stop();
  });
  beforeEach(() => {
    mock.reset();
    mock.script = slowThenAnswer;
  });

  const raw = async (path: string, body: Record<string, unknown>) => {
    const response = await fetch(`${gateway.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ ...body, stream: true }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    return response.text();
  };
  // A keepalive per interval while the tool runs, give or take timer drift on a busy machine.
  const assertBeats = (count: number) => {
    assert.ok(count >= 3, `${count} keepalives in ${toolTimeoutMs} ms at one per ${keepaliveMs} ms`);
    assert.ok(count <= toolTimeoutMs / keepaliveMs + 2, `${count} keepalives: no more than one per interval`);
  };

  test("chat completions: SSE comments between the first step's text and the answer, none before or after", async () => {
    const text = await raw("/v1/chat/completions", { model: "agent", messages: [{ role: "user", content: "Go" }] });
    const beats = text.split(": keepalive\n\n").length - 1;
    assertBeats(beats);
    const first = text.indexOf(": keepalive");
    const last = text.lastIndexOf(": keepalive");
    assert.ok(text.indexOf('"Checking. "') < first, "after the first step's text");
    assert.ok(last < text.indexOf('"Done."'), "before the answer");
    assert.ok(text.endsWith("data: [DONE]\n\n"));
    assert.match(JSON.stringify(toolMessagesOf(mock.requests[1])), /did not answer within 1000 ms/, "the slow call ended as a timeout the model reads");
  });

  test("chat completions with the OpenAI SDK: the keepalives are invisible, the text is whole", async () => {
    const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
    const stream = await openai.chat.completions.create({ model: "agent", messages: [{ role: "user", content: "Go" }], stream: true });
    let content = "";
    const finishes: string[] = [];
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? "";
      const finish = chunk.choices[0]?.finish_reason;
      if (finish) finishes.push(finish);
    }
    assert.equal(content, "Checking. Done.");
    assert.deepEqual(finishes, ["stop"]);
  });

  test("messages: Anthropic ping events while the tool runs, and the SDK's message is whole", async () => {
    const text = await raw("/v1/messages", { model: "agent", max_tokens: 100, messages: [{ role: "user", content: "Go" }] });
    // The first ping follows message_start, as Anthropic's own streams do; the rest are the keepalives.
    assertBeats(text.split("event: ping\n").length - 2);

    const anthropic = new Anthropic({ baseURL: gateway.url, apiKey: key, maxRetries: 0 });
    const message = await anthropic.messages.stream({ model: "agent", max_tokens: 100, messages: [{ role: "user", content: "Go" }] }).finalMessage();
    assert.deepEqual(message.content.map((block) => (block.type === "text" ? block.text : block.type)), ["Checking. Done."]);
    assert.equal(message.stop_reason, "end_turn");
  });

  test("responses: SSE comments while the tool runs, and the SDK's response is whole", async () => {
    const text = await raw("/v1/responses", { model: "agent", input: "Go" });
    assertBeats(text.split(": keepalive\n\n").length - 1);

    const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
    const response = await openai.responses.stream({ model: "agent", input: "Go" }).finalResponse();
    assert.equal(response.output_text, "Checking. Done.");
    assert.equal(response.status, "completed");
  });
});
