import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { Session, SessionStore } from "../../src/store/sessions.js";
import { eachDialect } from "./eachDialect.js";
import { gatewayError } from "./gatewayError.js";

const newUser = () => `user-${randomUUID()}`;

async function listAll(sessions: SessionStore, userId: string, limit: number): Promise<Session[][]> {
  const pages: Session[][] = [];
  let cursor: string | undefined;
  do {
    const page = await sessions.list(userId, { limit, cursor });
    pages.push(page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return pages;
}

eachDialect("session store", (context) => {
  test("create fills defaults and get returns the same session to its owner", async () => {
    const userId = newUser();
    const created = await context.store.sessions.create({ userId, projectId: "p1", engine: "local" });
    assert.match(created.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(created, {
      id: created.id,
      userId,
      projectId: "p1",
      title: null,
      engine: "local",
      model: null,
      messageCount: 0,
      active: true,
      createdAt: created.createdAt,
      updatedAt: created.createdAt,
    });
    assert.equal(typeof created.createdAt, "number");
    assert.deepEqual(await context.store.sessions.get(created.id, userId), created);
  });

  test("get hides other users' sessions and unknown ids", async () => {
    const owner = newUser();
    const session = await context.store.sessions.create({ userId: owner, title: "mine" });
    assert.equal(await context.store.sessions.get(session.id, newUser()), undefined);
    assert.equal(await context.store.sessions.get(randomUUID(), owner), undefined);
  });

  test("list returns the user's sessions newest first, in cursor pages", async () => {
    const userId = newUser();
    const created: Session[] = [];
    for (let i = 0; i < 5; i++) created.push(await context.store.sessions.create({ userId, title: `s${i}` }));
    await context.store.sessions.create({ userId: newUser(), title: "someone else's" });

    const pages = await listAll(context.store.sessions, userId, 2);
    assert.deepEqual(
      pages.map((page) => page.map((s) => s.title)),
      [["s4", "s3"], ["s2", "s1"], ["s0"]],
    );
    const single = await context.store.sessions.list(userId, { limit: 5 });
    assert.equal(single.items.length, 5);
    assert.equal(single.nextCursor, null, "no cursor when the page holds the rest");
  });

  test("activity moves a session to the front", async () => {
    const userId = newUser();
    const oldest = await context.store.sessions.create({ userId, title: "oldest" });
    await context.store.sessions.create({ userId, title: "newer" });
    await context.store.messages.append(oldest.id, [{ role: "user", content: "hello again", status: "complete" }]);
    const { items } = await context.store.sessions.list(userId, { limit: 10 });
    assert.deepEqual(
      items.map((s) => s.title),
      ["oldest", "newer"],
    );
  });

  test("pagination neither skips nor repeats sessions with equal timestamps", async () => {
    const userId = newUser();
    context.clock.freeze();
    try {
      for (let i = 0; i < 7; i++) await context.store.sessions.create({ userId });
    } finally {
      context.clock.resume();
    }
    const pages = await listAll(context.store.sessions, userId, 3);
    assert.deepEqual(
      pages.map((page) => page.length),
      [3, 3, 1],
    );
    const ids = pages.flat().map((s) => s.id);
    assert.deepEqual(ids, [...ids].sort(), "ties are ordered by id");
    assert.equal(new Set(ids).size, 7);
  });

  test("list rejects cursors it did not issue and bad limits", async () => {
    const userId = newUser();
    const list = (cursor: string) => context.store.sessions.list(userId, { limit: 2, cursor });
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    await assert.rejects(list("not a cursor"), gatewayError("invalid_request", "cursor"));
    await assert.rejects(list(""), gatewayError("invalid_request", "cursor"));
    await assert.rejects(list(encode(["message", 3])), gatewayError("invalid_request", "cursor"));
    await assert.rejects(list(encode(["session", "x", "y"])), gatewayError("invalid_request", "cursor"));
    await assert.rejects(list(encode({ updatedAt: 1, id: "x" })), gatewayError("invalid_request", "cursor"));
    await assert.rejects(context.store.sessions.list(userId, { limit: 0 }), gatewayError("invalid_request", "limit"));
  });

  test("deactivate hides the session from get and list, once, and only for its owner", async () => {
    const userId = newUser();
    const kept = await context.store.sessions.create({ userId, title: "kept" });
    const gone = await context.store.sessions.create({ userId, title: "gone" });
    assert.equal(await context.store.sessions.deactivate(gone.id, newUser()), false);
    assert.equal(await context.store.sessions.deactivate(gone.id, userId), true);
    assert.equal(await context.store.sessions.deactivate(gone.id, userId), false);
    assert.equal(await context.store.sessions.deactivate(randomUUID(), userId), false);
    assert.equal(await context.store.sessions.get(gone.id, userId), undefined);
    const { items } = await context.store.sessions.list(userId, { limit: 10 });
    assert.deepEqual(
      items.map((s) => s.id),
      [kept.id],
    );
  });

  test("setEngine records affinity without reordering the list", async () => {
    const userId = newUser();
    const session = await context.store.sessions.create({ userId });
    await context.store.sessions.setEngine(session.id, "vllm", "llama-3-8b");
    const stored = await context.store.sessions.get(session.id, userId);
    assert.equal(stored?.engine, "vllm");
    assert.equal(stored?.model, "llama-3-8b");
    assert.equal(stored?.updatedAt, session.updatedAt);
  });
});
