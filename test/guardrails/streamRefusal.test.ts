/**
 * A refusing guardrail on answers, over real HTTP: when a streamed answer trips it, the stream ends with its API
 * family's error event (code guardrail_refused, the rule's name) instead of its normal end, nothing of the match
 * was sent, the upstream call is closed, and the ledger row says failed with that code. A whole answer is refused
 * with a 400.
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { jsonOf, type MessageView, type Page } from "../support/apiTypes.js";
import { apiFamilies, bodyFor, envelopeError, ledgerRows, post, stream, streamError } from "./guardrailClient.js";

let mock: MockUpstream;
let gateway: TestGateway;

// The forbidden phrase comes split over two chunks, after text that is released before it.
const chunks = ["The plan is simple. We start on Monday and the code name is ", "project fal", "con, which nobody may know. ", ...Array.from({ length: 40 }, (_, i) => `more${i} `)];
const endings: Record<string, string> = { chat: "[DONE]", messages: "message_stop", responses: "response.completed", session: "done" };

before(async () => {
  mock = await startMockUpstream();
  gateway = await startGateway({
    engines: [openAIEngine("vllm", mock.url)],
    rateLimits: { enabled: false },
    guardrails: { rules: [{ name: "no-codenames", kind: "denylist", words: ["project falcon"], action: "refuse", stages: ["output"] }], apply: ["no-codenames"] },
  });
});
after(async () => {
  await gateway.stop();
  await mock.close();
});
beforeEach(() => {
  mock.reset();
  mock.script = () => ({ chunks, chunkDelayMs: 5 });
});

for (const family of apiFamilies) {
  test(`${family}: a refusal mid-stream ends with the API's error event, after what was already safe to send`, async () => {
    const streamed = await stream(gateway, family, "What is the plan?", "vllm/mock-model");
    assert.equal(streamed.status, 200);
    const failure = streamError(family, streamed.last);
    assert.deepEqual([failure?.code, failure?.rule], ["guardrail_refused", "no-codenames"], streamed.raw);
    assert.match(failure?.message ?? "", /guardrail "no-codenames" refused the answer/);
    assert.ok(!streamed.events.some((event) => event.event === endings[family] || event.data === endings[family]), "no normal end after the refusal");
    assert.ok(streamed.text.startsWith("The plan is simple."), streamed.text);
    assert.ok(!/falcon|fal\b|more3/i.test(streamed.raw), `nothing of the match or after it was sent: ${streamed.text}`);
    await mock.waitForAborted(1);
  });
}

test("the ledger row of a refused answer is failed with guardrail_refused; the session keeps the answer as incomplete", async () => {
  const before = (await ledgerRows(gateway, "status=failed", 0)).length;
  const streamed = await stream(gateway, "session", "What is the plan?", "vllm/mock-model");
  const rows = await ledgerRows(gateway, "status=failed", before + 1);
  assert.ok(rows.every((row) => row.errorCode === "guardrail_refused" && row.engine === "vllm"), JSON.stringify(rows));
  const meta = JSON.parse(streamed.events[0]?.data ?? "{}") as { sessionId: string };
  const messages = await jsonOf<Page<MessageView>>(fetch(`${gateway.url}/api/v2/chat/sessions/${meta.sessionId}/messages`));
  const answer = messages.data.at(-1);
  assert.equal(answer?.status, "incomplete");
  assert.ok(answer?.content.startsWith("The plan is simple.") && !answer.content.includes("falcon"), answer?.content);
});

for (const family of ["chat", "messages", "responses"] as const) {
  test(`${family}: a whole answer that trips the rule is a 400 guardrail_refused naming the rule`, async () => {
    const response = await post(gateway, family, bodyFor(family, "What is the plan?", "vllm/mock-model", false));
    assert.equal(response.status, 400);
    const raw = await response.text();
    assert.deepEqual({ code: envelopeError(JSON.parse(raw)).code, rule: envelopeError(JSON.parse(raw)).rule }, { code: "guardrail_refused", rule: "no-codenames" });
    assert.ok(!raw.includes("falcon"), raw);
  });
}
