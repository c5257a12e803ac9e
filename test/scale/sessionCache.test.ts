/**
 * The Redis session cache, end to end: two replicas over one PostgreSQL database and a Redis of the test's own.
 * A session's next turn reads its history from Redis, not the store (every store query is counted); a turn on one
 * replica is in the other's next prompt; a deleted session is gone on both; with Redis stopped, turns go on from
 * the store. The generation check-and-set is driven directly: a fill that raced a write is refused.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { createTestPostgresDatabase, type TestPostgresDatabase } from "../support/pgDatabase.js";
import { startOwnRedis, type OwnRedis } from "../support/ownRedis.js";
import { readSse } from "../support/readSse.js";
import { eventually } from "../support/eventually.js";
import { createSessionCache } from "../../src/chat/createSessionCache.js";
import { createLogger } from "../../src/logger.js";
import type { Session } from "../../src/store/sessions.js";
import type { Message } from "../../src/store/messages.js";

let mock: MockUpstream;
let database: TestPostgresDatabase;
let redis: OwnRedis;
const replicas: Array<{ gateway: TestGateway; queries: string[] }> = [];

before(async () => {
  mock = await startMockUpstream();
  mock.script = () => ({ text: "noted", usage: { prompt_tokens: 5, completion_tokens: 1 } });
  database = await createTestPostgresDatabase();
  redis = await startOwnRedis();
  const config = {
    store: { url: database.url },
    redis: { url: redis.url, connectTimeoutMs: 500, commandTimeoutMs: 300 },
    engines: [openAIEngine("vllm", mock.url)],
    chat: { historyWindow: 6 },
  };
  for (let i = 0; i < 2; i++) {
    const queries: string[] = [];
    replicas.push({ gateway: await startGateway(config, { onStoreQuery: (event) => void queries.push(event.query.sql) }), queries });
  }
});
after(async () => {
  await Promise.all(replicas.map(({ gateway }) => gateway.stop()));
  await redis?.destroy();
  await database?.drop();
  await mock?.close();
});

/** One turn; returns its session id and the store queries the replica ran for it. */
async function turn(replica: number, message: string, sessionId?: string): Promise<{ sessionId: string; queries: string[] }> {
  const { gateway, queries } = replicas[replica]!;
  const from = queries.length;
  const response = await fetch(`${gateway.url}/api/v2/chat/stream`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message, ...(sessionId ? { sessionId } : {}) }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  const events = await readSse(response);
  assert.equal(events.at(-1)?.event, "done");
  const meta = JSON.parse(events.find((e) => e.event === "meta")!.data) as { sessionId: string };
  return { sessionId: meta.sessionId, queries: queries.slice(from) };
}

const historyReads = (queries: string[]) => queries.filter((sql) => /^select/i.test(sql) && /from "messages"/.test(sql));
const sessionReads = (queries: string[]) => queries.filter((sql) => /^select/i.test(sql) && /from "sessions"/.test(sql));

/** What the upstream was sent on its last call: the prompt, as role:content. */
const lastPrompt = () => (mock.requests.at(-1)!.body.messages as Array<{ role: string; content: string }>).map((m) => `${m.role}:${m.content}`);

test("the next turn reads its history from Redis, and a turn on one replica is in the other's next prompt", async () => {
  const first = await turn(0, "my name is Ada");
  const sessionId = first.sessionId;
  const second = await turn(0, "what is my name?", sessionId);
  assert.deepEqual(historyReads(second.queries), [], "no history read from the store");
  // The one session read is the refresh after the turn (counters, title); nothing before the engine was called.
  assert.equal(sessionReads(second.queries).length, 1);
  assert.deepEqual(lastPrompt(), ["user:my name is Ada", "assistant:noted", "user:what is my name?"]);

  // Replica B: its first turn on the session reads the snapshot replica A wrote.
  const third = await turn(1, "and my age?", sessionId);
  assert.deepEqual(historyReads(third.queries), []);
  assert.deepEqual(lastPrompt(), ["user:my name is Ada", "assistant:noted", "user:what is my name?", "assistant:noted", "user:and my age?"]);
  // A writes again; B's next turn sees it, still without reading the store.
  await turn(0, "I am 36", sessionId);
  const fifth = await turn(1, "summarize", sessionId);
  assert.deepEqual(historyReads(fifth.queries), []);
  // The window (6) holds the last six messages.
  assert.deepEqual(lastPrompt(), [
    "user:what is my name?",
    "assistant:noted",
    "user:and my age?",
    "assistant:noted",
    "user:I am 36",
    "assistant:noted",
    "user:summarize",
  ]);

  // Deleted on A: B does not find it any more, cached or not.
  const removed = await fetch(`${replicas[0]!.gateway.url}/api/v2/chat/sessions/${sessionId}`, { method: "DELETE" });
  assert.equal(removed.status, 204);
  const gone = await fetch(`${replicas[1]!.gateway.url}/api/v2/chat/stream`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message: "hello?", sessionId }),
  });
  assert.equal(gone.status, 404);
  assert.equal(((await gone.json()) as { error: { code: string } }).error.code, "not_found");
});

test("Redis stopped: turns go on from the store; started again: the cache is used again", async () => {
  const { sessionId } = await turn(0, "first words");
  await redis.stop();
  try {
    const during = await turn(1, "while Redis is down", sessionId);
    assert.equal(historyReads(during.queries).length, 1, "the history came from the store");
    assert.deepEqual(lastPrompt(), ["user:first words", "assistant:noted", "user:while Redis is down"]);
    const again = await turn(0, "still down", sessionId);
    assert.equal(historyReads(again.queries).length, 1);
    assert.deepEqual(lastPrompt().slice(-3), ["user:while Redis is down", "assistant:noted", "user:still down"]);
  } finally {
    await redis.start();
  }
  // Both replicas reconnect; the empty Redis is filled by the next turn and read by the one after.
  for (const { gateway } of replicas) {
    await eventually(async () => ((await (await fetch(`${gateway.url}/health/ready`)).json()) as { status: string }).status === "ready", 10_000, "Redis to be back");
  }
  const refill = await turn(1, "back again", sessionId);
  assert.equal(historyReads(refill.queries).length, 1);
  const cached = await turn(0, "and now?", sessionId);
  assert.deepEqual(historyReads(cached.queries), []);
  assert.deepEqual(lastPrompt().slice(-3), ["user:back again", "assistant:noted", "user:and now?"]);
});

test("a fill that raced a write is refused: the generation read before the store answered no longer matches", async () => {
  const client = new Redis(redis.url, { keyPrefix: "race:", maxRetriesPerRequest: 0 });
  try {
    await eventually(() => client.status === "ready", 5000, "the client to connect");
    const cache = createSessionCache({ client, ttlSeconds: 60, logger: createLogger("silent") });
    const id = randomUUID();
    const session: Session = {
      id,
      userId: "u1",
      projectId: null,
      title: null,
      engine: null,
      model: null,
      messageCount: 0,
      active: true,
      createdAt: 1,
      updatedAt: 1,
    };
    const message = (seq: number): Message => ({
      id: `m${seq}`,
      sessionId: id,
      seq,
      role: seq % 2 === 1 ? "user" : "assistant",
      content: `message ${seq}`,
      toolCalls: null,
      toolCallId: null,
      engine: null,
      model: null,
      traceId: null,
      inputTokens: null,
      outputTokens: null,
      status: "complete",
      createdAt: seq,
      ttftMs: null,
      latencyMs: null,
      errorCode: null,
      experimentId: null,
      variant: null,
      feedbackScore: null,
      citations: null,
    });
    const before = await cache.read(id, "u1", 2);
    assert.equal(before.hit, undefined);
    assert.equal(before.generation, 0);
    // A write lands on another replica between this reader's store read and its fill.
    assert.equal(await cache.invalidate(id), 1);
    await cache.fill(id, { session, history: [message(1)], window: 2 }, before.generation);
    assert.equal((await cache.read(id, "u1", 2)).hit, undefined, "the old snapshot was not stored");

    await cache.fill(id, { session: { ...session, messageCount: 3 }, history: [message(1), message(2), message(3)], window: 2 }, 1);
    const hit = await cache.read(id, "u1", 2);
    assert.deepEqual(hit.hit?.history.map((m) => m.seq), [2, 3], "kept to the window");
    assert.equal(hit.hit?.session.messageCount, 3);
    assert.deepEqual((await cache.read(id, "u1", 1)).hit?.history.map((m) => m.seq), [3], "a smaller window is a tail of it");
    assert.equal((await cache.read(id, "u1", 3)).hit, undefined, "a larger window than cached goes to the store");
    assert.equal((await cache.read(id, "someone-else", 2)).hit, undefined, "another user's read goes to the store");
  } finally {
    client.disconnect();
  }
});
