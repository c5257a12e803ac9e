/**
 * The session chat stream (/api/v2/chat/stream) gets a keepalive comment whenever it has sent nothing for a whole
 * `tools.streamKeepaliveMs`: while a tool of the turn runs (a real MCP call that never answers, cut by its
 * server's timeout). A stream that keeps sending gets none.
 */
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { MockUpstream } from "../support/mockUpstream.js";
import type { TestGateway } from "../support/startGateway.js";
import { startServerToolsStack, type ServerToolsStack } from "../support/startServerToolsStack.js";
import { parseSse } from "../support/readSse.js";
import { toolMessagesOf } from "../support/toolConversation.js";

const keepaliveMs = 100;
const toolTimeoutMs = 1000;

describe("keepalives on the session chat stream", () => {
  let stack: ServerToolsStack | undefined;
  let mock: MockUpstream;
  let gateway: TestGateway;
  let key = "";

  before(async () => {
    stack = await startServerToolsStack("session-keepalive", (server) => ({
      tools: { maxSteps: 3, timeoutMs: 5000, streamKeepaliveMs: keepaliveMs, mcp: [{ name: "up", transport: "http", url: `${server.url}/mcp`, tools: ["slow"], timeoutMs: toolTimeoutMs }] },
    }));
    ({ mock, gateway, key } = stack);
  });
  after(async () => {
    await stack?.stop();
  });
  beforeEach(() => mock.reset());

  const turn = async (body: Record<string, unknown>) => {
    const response = await fetch(`${gateway.url}/api/v2/chat/stream`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: "vllm/mock-model", ...body }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    const text = await response.text();
    return { text, beats: text.split(": keepalive\n\n").length - 1, events: parseSse(text).map((event) => event.event) };
  };

  test("while the turn's tool runs: keepalives after the tool call, before its tool event; the turn ends done", async () => {
    mock.script = (request) =>
      toolMessagesOf(request).length === 0
        ? { toolCalls: [{ id: "c1", name: "up__slow", arguments: "{}" }], usage: { prompt_tokens: 5, completion_tokens: 2 } }
        : { text: "Done.", usage: { prompt_tokens: 9, completion_tokens: 1 } };
    const { text, beats, events } = await turn({ message: "Go", tools: ["up__slow"] });
    assert.ok(beats >= 2 && beats <= toolTimeoutMs / keepaliveMs + 1, `${beats} keepalives while a ${toolTimeoutMs} ms tool ran`);
    assert.ok(text.indexOf(": keepalive") < text.indexOf("event: tool"), "the keepalives come while the tool runs");
    assert.equal(events.at(-1), "done");
  });

  test("a stream that keeps sending gets none", async () => {
    mock.script = () => ({ chunks: ["quick ", "answer"] });
    const quick = await turn({ message: "Hello" });
    assert.equal(quick.beats, 0);
    assert.equal(quick.events.at(-1), "done");
  });
});
