/**
 * `POST /api/v2/chat/feedback` over real HTTP: the caller's own assistant messages only, scores in [-10, 10].
 * One answer comes from a real session-chat turn against the mock upstream, so the messageId clients get in the
 * `meta` event is the one they can score.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { openStore, type Store } from "../../src/store/openStore.js";
import { localPrincipal } from "../../src/auth/principal.js";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { postJson, readSse } from "../support/readSse.js";
import { jsonOf, type ErrorBody } from "../support/apiTypes.js";

let mock: MockUpstream;
let gateway: TestGateway;
let seed: Store;

before(async () => {
  mock = await startMockUpstream();
  gateway = await startGateway({ engines: [openAIEngine("vllm", mock.url)] });
  seed = await openStore(`sqlite:${join(gateway.dataDir, "switchyard.db")}`);
});
after(async () => {
  await seed.close();
  await gateway.stop();
  await mock.close();
});

const sendFeedback = (body: unknown) => postJson(`${gateway.url}/api/v2/chat/feedback`, body);

async function exchange(userId: string) {
  const session = await seed.sessions.create({ userId });
  const [question, answer] = await seed.messages.append(session.id, [
    { role: "user", content: "q", status: "complete" },
    { role: "assistant", content: "a", status: "complete" },
  ]);
  assert.ok(question && answer);
  return { session, question, answer };
}

const scoreOf = async (sessionId: string, messageId: string) =>
  (await seed.messages.recent(sessionId, 10)).find((m) => m.id === messageId)?.feedbackScore;

async function expectError(response: Response, status: number, code: string, param?: string): Promise<void> {
  assert.equal(response.status, status);
  const { error } = await jsonOf<ErrorBody>(response);
  assert.equal(error.code, code);
  assert.match(error.traceId, /^[0-9a-f]{32}$/);
  if (param !== undefined) assert.equal(error.param, param);
}

test("the answer of a real chat turn can be scored, and rescored", async () => {
  mock.script = () => ({ text: "Hello." });
  const response = await postJson(`${gateway.url}/api/v2/chat/stream`, { message: "Hi" });
  assert.equal(response.status, 200);
  const meta = (await readSse(response)).find((e) => e.event === "meta");
  assert.ok(meta);
  const { sessionId, messageId } = JSON.parse(meta.data) as { sessionId: string; messageId: string };

  const first = await sendFeedback({ messageId, score: 5 });
  assert.equal(first.status, 204);
  assert.equal(await first.text(), "");
  assert.equal(await scoreOf(sessionId, messageId), 5);
  assert.equal((await sendFeedback({ messageId, score: -1 })).status, 204);
  assert.equal(await scoreOf(sessionId, messageId), -1);
});

test("scores from -10 to 10, fractions included, are accepted", async () => {
  const { session, answer } = await exchange(localPrincipal.userId);
  for (const score of [-10, 0, 3.5, 10]) {
    assert.equal((await sendFeedback({ messageId: answer.id, score })).status, 204);
    assert.equal(await scoreOf(session.id, answer.id), score);
  }
});

test("anything but the caller's own assistant message is 404 not_found", async () => {
  const own = await exchange(localPrincipal.userId);
  const theirs = await exchange("someone-else");
  await expectError(await sendFeedback({ messageId: theirs.answer.id, score: 1 }), 404, "not_found", "messageId");
  await expectError(await sendFeedback({ messageId: own.question.id, score: 1 }), 404, "not_found", "messageId");
  await expectError(await sendFeedback({ messageId: "0b7e6a4e-5d3c-4f1a-9e2b-8c7d6e5f4a3b", score: 1 }), 404, "not_found", "messageId");
  assert.equal(await scoreOf(theirs.session.id, theirs.answer.id), null);

  await seed.sessions.deactivate(own.session.id, localPrincipal.userId);
  await expectError(await sendFeedback({ messageId: own.answer.id, score: 1 }), 404, "not_found", "messageId");
});

const badBodies: Array<{ name: string; body: unknown; param?: string }> = [
  { name: "missing messageId", body: { score: 1 }, param: "messageId" },
  { name: "empty messageId", body: { messageId: "", score: 1 }, param: "messageId" },
  { name: "missing score", body: { messageId: "m" }, param: "score" },
  { name: "string score", body: { messageId: "m", score: "5" }, param: "score" },
  { name: "score above 10", body: { messageId: "m", score: 11 }, param: "score" },
  { name: "score below -10", body: { messageId: "m", score: -10.5 }, param: "score" },
  { name: "unknown field", body: { messageId: "m", score: 1, comment: "nice" } },
];

for (const c of badBodies) {
  test(`feedback with ${c.name} → 400 invalid_request`, async () => {
    await expectError(await sendFeedback(c.body), 400, "invalid_request", c.param);
  });
}
