import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { Message, NewMessage } from "../../src/store/messages.js";
import { eachDialect } from "./eachDialect.js";
import { gatewayError } from "./gatewayError.js";

const user = (content: string): NewMessage => ({ role: "user", content, status: "complete" });
const assistant = (content: string): NewMessage => ({ role: "assistant", content, status: "complete" });

eachDialect("message store", (context) => {
  const newSession = (title?: string) => context.store.sessions.create({ userId: `user-${randomUUID()}`, title });

  test("append numbers messages from 1 and bumps the session", async () => {
    const session = await newSession();
    const first = await context.store.messages.append(session.id, [
      { role: "system", content: "be brief", status: "complete" },
      user("  What   is\nthe capital of France?  "),
      { role: "assistant", content: "", status: "incomplete", engine: "local", model: "tiny", traceId: "t-1" },
    ]);
    assert.deepEqual(
      first.map((m) => [m.seq, m.role, m.status]),
      [
        [1, "system", "complete"],
        [2, "user", "complete"],
        [3, "assistant", "incomplete"],
      ],
    );
    assert.equal(new Set(first.map((m) => m.id)).size, 3);
    const placeholder = first[2] as Message;
    assert.deepEqual(placeholder, {
      id: placeholder.id,
      sessionId: session.id,
      seq: 3,
      role: "assistant",
      content: "",
      toolCalls: null,
      toolCallId: null,
      engine: "local",
      model: "tiny",
      traceId: "t-1",
      inputTokens: null,
      outputTokens: null,
      status: "incomplete",
      createdAt: placeholder.createdAt,
      ttftMs: null,
      latencyMs: null,
      errorCode: null,
      experimentId: null,
      variant: null,
      feedbackScore: null,
      citations: null,
    });

    const second = await context.store.messages.append(session.id, [user("And of Spain?")]);
    assert.equal(second[0]?.seq, 4);

    const stored = await context.store.sessions.get(session.id, session.userId);
    assert.equal(stored?.messageCount, 4);
    assert.equal(stored?.title, "What is the capital of France?", "title from the first user message, not later ones");
    assert.ok((stored?.updatedAt ?? 0) > session.updatedAt);
    assert.deepEqual(await context.store.messages.recent(session.id, 10), [...first, ...second]);
  });

  test("the title is cut to 80 characters and never replaces one the session has", async () => {
    const untitled = await newSession();
    await context.store.messages.append(untitled.id, [user("é".repeat(100))]);
    assert.equal((await context.store.sessions.get(untitled.id, untitled.userId))?.title, "é".repeat(80));

    const titled = await newSession("My title");
    await context.store.messages.append(titled.id, [user("something else")]);
    assert.equal((await context.store.sessions.get(titled.id, titled.userId))?.title, "My title");

    const blank = await newSession();
    await context.store.messages.append(blank.id, [user("   "), assistant("hi")]);
    assert.equal((await context.store.sessions.get(blank.id, blank.userId))?.title, null);
  });

  test("tool calls and tool results round-trip", async () => {
    const session = await newSession();
    const toolCalls = [{ id: "call_1", type: "function" as const, function: { name: "clock", arguments: '{"tz":"UTC"}' } }];
    const [call, result] = await context.store.messages.append(session.id, [
      { role: "assistant", content: "", status: "complete", toolCalls },
      { role: "tool", content: "12:00", status: "complete", toolCallId: "call_1" },
    ]);
    const [storedCall, storedResult] = await context.store.messages.recent(session.id, 2);
    assert.deepEqual(storedCall, call);
    assert.deepEqual(storedCall?.toolCalls, toolCalls);
    assert.deepEqual(storedResult, result);
    assert.equal(storedResult?.toolCallId, "call_1");
  });

  test("citations round-trip, and finish replaces them only when it is given them", async () => {
    const session = await newSession();
    const citations = [{ n: 1, documentId: "doc-1", title: "Ünïcode title", chunkId: 7, score: 1, headingPath: "A > B", excerpt: "Some text…" }];
    const [placeholder] = await context.store.messages.append(session.id, [{ role: "assistant", content: "", status: "incomplete", citations }]);
    assert.deepEqual(placeholder?.citations, citations);
    await context.store.messages.finish(placeholder?.id ?? "", { content: "See [1].", status: "complete" });
    assert.deepEqual((await context.store.messages.recent(session.id, 1))[0]?.citations, citations);
    await context.store.messages.finish(placeholder?.id ?? "", { content: "See [1].", status: "complete", citations: null });
    assert.equal((await context.store.messages.recent(session.id, 1))[0]?.citations, null);
  });

  test("append to a missing or deactivated session fails; an empty append is a no-op", async () => {
    await assert.rejects(context.store.messages.append(randomUUID(), [user("hi")]), gatewayError("not_found"));
    const session = await newSession();
    assert.deepEqual(await context.store.messages.append(session.id, []), []);
    assert.equal((await context.store.sessions.get(session.id, session.userId))?.updatedAt, session.updatedAt);
    await context.store.sessions.deactivate(session.id, session.userId);
    await assert.rejects(context.store.messages.append(session.id, [user("hi")]), gatewayError("not_found"));
    assert.deepEqual(await context.store.messages.recent(session.id, 10), []);
  });

  test("20 concurrent appends get unique, consecutive seq numbers", async () => {
    const session = await newSession();
    const batches = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        context.store.messages.append(
          session.id,
          Array.from({ length: (i % 3) + 1 }, (_, j) => user(`append ${i} message ${j}`)),
        ),
      ),
    );
    const total = batches.reduce((sum, batch) => sum + batch.length, 0);
    for (const batch of batches) {
      const seqs = batch.map((m) => m.seq);
      assert.deepEqual(
        seqs,
        seqs.map((_, k) => (seqs[0] ?? 0) + k),
        "each append's messages are contiguous",
      );
    }
    const seqs = batches
      .flat()
      .map((m) => m.seq)
      .sort((a, b) => a - b);
    assert.deepEqual(
      seqs,
      Array.from({ length: total }, (_, k) => k + 1),
    );
    assert.equal((await context.store.sessions.get(session.id, session.userId))?.messageCount, total);
    const stored = await context.store.messages.recent(session.id, total);
    assert.deepEqual(
      stored.map((m) => m.seq),
      seqs,
    );
  });

  test("finish completes a placeholder and leaves unpatched fields alone", async () => {
    const session = await newSession();
    const [, placeholder] = await context.store.messages.append(session.id, [
      user("What time is it?"),
      { role: "assistant", content: "", status: "incomplete", traceId: "trace-9", engine: "a", model: "m-a" },
    ]);
    assert.ok(placeholder);
    const toolCalls = [{ id: "c1", type: "function" as const, function: { name: "clock", arguments: "{}" } }];
    await context.store.messages.finish(placeholder.id, {
      content: "Noon.",
      status: "complete",
      toolCalls,
      inputTokens: 12,
      outputTokens: 3,
      engine: "b",
      model: "m-b",
    });
    const [, finished] = await context.store.messages.recent(session.id, 2);
    assert.deepEqual(finished, {
      ...placeholder,
      content: "Noon.",
      status: "complete",
      toolCalls,
      inputTokens: 12,
      outputTokens: 3,
      engine: "b",
      model: "m-b",
    });

    await context.store.messages.finish(placeholder.id, { content: "Noo", status: "incomplete", toolCalls: null });
    const [, partial] = await context.store.messages.recent(session.id, 2);
    assert.deepEqual(partial, { ...finished, content: "Noo", status: "incomplete", toolCalls: null });

    await assert.rejects(
      context.store.messages.finish(randomUUID(), { content: "", status: "complete" }),
      gatewayError("not_found"),
    );
  });

  test("recent returns the last messages, oldest first", async () => {
    const session = await newSession();
    await context.store.messages.append(
      session.id,
      Array.from({ length: 7 }, (_, i) => (i % 2 === 0 ? user(`m${i + 1}`) : assistant(`m${i + 1}`))),
    );
    const contents = async (limit: number) =>
      (await context.store.messages.recent(session.id, limit)).map((m) => m.content);
    assert.deepEqual(await contents(3), ["m5", "m6", "m7"]);
    assert.deepEqual(await contents(0), []);
    assert.equal((await contents(100)).length, 7);
    assert.deepEqual(await context.store.messages.recent(randomUUID(), 5), []);
    await assert.rejects(context.store.messages.recent(session.id, -1), gatewayError("invalid_request", "limit"));
  });

  test("list pages through the history oldest first", async () => {
    const session = await newSession();
    await context.store.messages.append(
      session.id,
      Array.from({ length: 7 }, (_, i) => user(`m${i + 1}`)),
    );
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await context.store.messages.list(session.id, { limit: 3, cursor });
      pages.push(page.items.map((m) => m.content));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    assert.deepEqual(pages, [["m1", "m2", "m3"], ["m4", "m5", "m6"], ["m7"]]);

    const exact = await context.store.messages.list(session.id, { limit: 7 });
    assert.equal(exact.nextCursor, null);
    assert.deepEqual(await context.store.messages.list(randomUUID(), { limit: 3 }), { items: [], nextCursor: null });
  });

  test("list rejects cursors it did not issue", async () => {
    const session = await newSession();
    await context.store.messages.append(session.id, [user("a"), user("b")]);
    await context.store.sessions.create({ userId: session.userId });
    const { nextCursor: sessionCursor } = await context.store.sessions.list(session.userId, { limit: 1 });
    assert.ok(sessionCursor);
    const list = (cursor: string) => context.store.messages.list(session.id, { limit: 1, cursor });
    await assert.rejects(list(sessionCursor), gatewayError("invalid_request", "cursor"));
    await assert.rejects(list("%%%"), gatewayError("invalid_request", "cursor"));
    await assert.rejects(
      list(Buffer.from(JSON.stringify(["message", 1.5])).toString("base64url")),
      gatewayError("invalid_request", "cursor"),
    );
  });
});
