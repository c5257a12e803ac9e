/**
 * A client that goes away mid-stream cancels the upstream call, and the partial answer is stored as incomplete.
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { readSseUntil } from "../support/readSse.js";
import { jsonOf, type MessageView, type Page, } from "../support/apiTypes.js";
import { eventually } from "../support/eventually.js";

let mock: MockUpstream;
let gateway: TestGateway;

before(async () => {
  mock = await startMockUpstream();
  gateway = await startGateway({ engines: [openAIEngine("vllm", mock.url)] });
});
after(async () => {
  await gateway.stop();
  await mock.close();
});
beforeEach(() => {
  mock.reset();
  mock.script = () => ({ chunks: Array.from({ length: 200 }, (_, i) => `word${i} `), chunkDelayMs: 20 });
});

test("session API: disconnect aborts the upstream and stores the assistant turn as incomplete", async () => {
  const controller = new AbortController();
  const response = await fetch(`${gateway.url}/api/v2/chat/stream`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message: "tell me a long story" }),
    signal: controller.signal,
  });
  const { events, reader } = await readSseUntil(response, (e) => e.event === "token" && e.data.includes("word2 "));
  const meta = JSON.parse(events[0]?.data ?? "{}") as { sessionId: string; messageId: string };
  controller.abort();
  await reader.cancel().catch(() => undefined);

  await mock.waitForAborted(1);
  assert.equal(mock.completedStreams, 0);
  const assistant = await eventually(async () => {
    const body = await jsonOf<Page<MessageView>>(fetch(`${gateway.url}/api/v2/chat/sessions/${meta.sessionId}/messages`));
    const message = body.data.find((m) => m.id === meta.messageId);
    return message && message.content.length > 0 ? message : undefined;
  }, 5000, "the partial assistant message");
  assert.equal(assistant.status, "incomplete");
  assert.match(assistant.content, /^word0 word1 word2 /);
  assert.ok(!assistant.content.includes("word199"));
});

test("OpenAI API: disconnect mid-stream aborts the upstream request", async () => {
  const controller = new AbortController();
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "vllm/mock-model", messages: [{ role: "user", content: "long" }], stream: true }),
    signal: controller.signal,
  });
  const { reader } = await readSseUntil(response, (e) => e.data.includes("word1 "));
  controller.abort();
  await reader.cancel().catch(() => undefined);
  await mock.waitForAborted(1);
  assert.equal(mock.completedStreams, 0);
});

test("OpenAI API: disconnect during a non-streaming call aborts the upstream request", async () => {
  const controller = new AbortController();
  const pending = fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "vllm/mock-model", messages: [{ role: "user", content: "long" }] }),
    signal: controller.signal,
  });
  await eventually(async () => mock.inFlight > 0, 5000, "the upstream call to start");
  controller.abort();
  await assert.rejects(pending);
  await mock.waitForAborted(1);
});
