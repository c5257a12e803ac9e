import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { eachDialect } from "./eachDialect.js";
import { gatewayError } from "./gatewayError.js";

eachDialect("message outcomes", (context) => {
  const exchange = async (userId = `user-${randomUUID()}`) => {
    const session = await context.store.sessions.create({ userId });
    const [question, answer] = await context.store.messages.append(session.id, [
      { role: "user", content: "q", status: "complete" },
      { role: "assistant", content: "", status: "incomplete", experimentId: "exp-1", variant: "b" },
    ]);
    assert.ok(question && answer);
    return { session, question, answer };
  };
  const stored = async (sessionId: string, id: string) =>
    (await context.store.messages.recent(sessionId, 10)).find((m) => m.id === id);

  test("experiment and variant are stored on append; finish records timings and the error code", async () => {
    const { session, answer } = await exchange();
    assert.equal(answer.experimentId, "exp-1");
    assert.equal(answer.variant, "b");
    assert.deepEqual(await stored(session.id, answer.id), answer);

    await context.store.messages.finish(answer.id, { content: "par", status: "incomplete", ttftMs: 120, latencyMs: 900, errorCode: "engine_timeout" });
    const failed = await stored(session.id, answer.id);
    assert.deepEqual(failed, { ...answer, content: "par", status: "incomplete", ttftMs: 120, latencyMs: 900, errorCode: "engine_timeout" });

    await context.store.messages.finish(answer.id, { content: "partial", status: "incomplete" });
    assert.deepEqual(await stored(session.id, answer.id), { ...failed, content: "partial" }, "undefined leaves them alone");
    await context.store.messages.finish(answer.id, { content: "partial", status: "incomplete", errorCode: null, ttftMs: null });
    assert.deepEqual(await stored(session.id, answer.id), { ...failed, content: "partial", errorCode: null, ttftMs: null }, "null clears");
  });

  test("setFeedback scores the owner's assistant messages only", async () => {
    const { session, question, answer } = await exchange();
    assert.equal(await context.store.messages.setFeedback(answer.id, session.userId, 4), true);
    assert.equal((await stored(session.id, answer.id))?.feedbackScore, 4);
    assert.equal(await context.store.messages.setFeedback(answer.id, session.userId, -1.5), true);
    assert.equal((await stored(session.id, answer.id))?.feedbackScore, -1.5, "a later score replaces the earlier one");

    assert.equal(await context.store.messages.setFeedback(answer.id, "someone-else", 1), false);
    assert.equal(await context.store.messages.setFeedback(question.id, session.userId, 1), false, "not an assistant message");
    assert.equal(await context.store.messages.setFeedback(randomUUID(), session.userId, 1), false);
    assert.equal((await stored(session.id, answer.id))?.feedbackScore, -1.5);
    assert.equal((await stored(session.id, question.id))?.feedbackScore, null);

    await assert.rejects(context.store.messages.setFeedback(answer.id, session.userId, Number.NaN), gatewayError("invalid_request", "score"));

    await context.store.sessions.deactivate(session.id, session.userId);
    assert.equal(await context.store.messages.setFeedback(answer.id, session.userId, 5), false, "a deactivated session is gone");
  });
});
