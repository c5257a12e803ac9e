/**
 * The session chat API over real HTTP, on SQLite and on the PostgreSQL server here: the same suite for both.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { postJson, readSse, type SseEvent } from "../support/readSse.js";
import { jsonOf, type ErrorBody, type MessageView, type Page, type SessionView } from "../support/apiTypes.js";
import { createTestPostgresDatabase } from "../support/pgDatabase.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface StoreUnderTest {
  name: string;
  setup(): Promise<{ url: string; teardown(): Promise<void> }>;
}

const stores: StoreUnderTest[] = [
  {
    name: "sqlite",
    async setup() {
      const dir = await mkdtemp(join(tmpdir(), "switchyard-session-"));
      return { url: `sqlite:${join(dir, "chat.db")}`, teardown: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: "postgres",
    async setup() {
      const db = await createTestPostgresDatabase();
      return { url: db.url, teardown: db.drop };
    },
  },
];

const data = (events: SseEvent[], name: string) => events.filter((e) => e.event === name).map((e) => JSON.parse(e.data) as Record<string, unknown>);

for (const storeUnderTest of stores) {
  describe(`session chat on ${storeUnderTest.name}`, () => {
    let mock: MockUpstream;
    let gateway: TestGateway;
    let storeUrl: string;
    let teardown: () => Promise<void>;
    const config = () => ({
      engines: [openAIEngine("vllm", mock.url)],
      store: { url: storeUrl },
      chat: { historyWindow: 4 },
    });

    before(async () => {
      mock = await startMockUpstream();
      ({ url: storeUrl, teardown } = await storeUnderTest.setup());
      gateway = await startGateway(config());
    });
    after(async () => {
      await gateway.stop();
      await mock.close();
      await teardown();
    });

    const chat = async (body: Record<string, unknown>) => {
      const response = await postJson(`${gateway.url}/api/v2/chat/stream`, body);
      assert.equal(response.status, 200, await response.clone().text());
      assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
      return readSse(response);
    };

    test("streams meta, tokens and done, and stores both turns", async () => {
      mock.reset();
      mock.script = () => ({ text: "Hello there, friend.", usage: { prompt_tokens: 5, completion_tokens: 4 } });
      const events = await chat({ message: "Hi!", system: "Be brief." });
      assert.deepEqual(events.map((e) => e.event)[0], "meta");
      assert.equal(events.at(-1)?.event, "done");
      const [meta] = data(events, "meta");
      assert.ok(meta);
      assert.equal(meta.engine, "vllm");
      assert.equal(meta.model, "mock-model");
      assert.match(String(meta.traceId), /^[0-9a-f]{32}$/);
      assert.equal(data(events, "token").map((t) => t.text).join(""), "Hello there, friend.");
      const [done] = data(events, "done");
      assert.deepEqual(done?.usage, { inputTokens: 5, outputTokens: 4, totalTokens: 9 });
      assert.equal(done?.finishReason, "stop");
      assert.equal(typeof done?.durationMs, "number");
      assert.deepEqual(mock.requests[0]?.body.messages, [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi!" },
      ]);

      const messages = await jsonOf<Page<MessageView>>(fetch(`${gateway.url}/api/v2/chat/sessions/${String(meta.sessionId)}/messages`));
      assert.deepEqual(
        messages.data.map((m) => [m.role, m.content, m.status]),
        [
          ["user", "Hi!", "complete"],
          ["assistant", "Hello there, friend.", "complete"],
        ],
      );
      assert.equal(messages.data[1]?.id, meta.messageId);
      assert.deepEqual(messages.data[1]?.usage, { inputTokens: 5, outputTokens: 4 });
      assert.equal(messages.data[1]?.traceId, meta.traceId);
    });

    test("maxTokens limits the answer the upstream is asked for; out of range is a 400 that stores nothing", async () => {
      mock.reset();
      mock.script = () => ({ text: "Short." });
      const events = await chat({ message: "Tell me everything.", maxTokens: 7 });
      assert.equal(events.at(-1)?.event, "done");
      assert.equal(mock.requests.at(-1)?.body.max_tokens, 7);
      const before = (await jsonOf<Page<SessionView>>(fetch(`${gateway.url}/api/v2/chat/sessions?limit=100`))).data.length;
      const refused = await postJson(`${gateway.url}/api/v2/chat/stream`, { message: "Hi", maxTokens: 0 });
      assert.equal(refused.status, 400);
      assert.equal((await jsonOf<ErrorBody>(refused)).error.param, "maxTokens");
      assert.equal((await jsonOf<Page<SessionView>>(fetch(`${gateway.url}/api/v2/chat/sessions?limit=100`))).data.length, before);
    });

    test("the history window is applied to what the upstream receives", async () => {
      mock.reset();
      let turn = 0;
      mock.script = () => ({ text: `answer ${++turn}` });
      const [meta] = data(await chat({ message: "question 1" }), "meta");
      for (let i = 2; i <= 4; i++) await chat({ message: `question ${i}`, sessionId: meta?.sessionId });
      const last = mock.requests.at(-1)?.body.messages as Array<{ role: string; content: string }>;
      // historyWindow 4: the last two exchanges, then the new question.
      assert.deepEqual(last, [
        { role: "user", content: "question 2" },
        { role: "assistant", content: "answer 2" },
        { role: "user", content: "question 3" },
        { role: "assistant", content: "answer 3" },
        { role: "user", content: "question 4" },
      ]);
      const sessions = await jsonOf<Page<SessionView>>(fetch(`${gateway.url}/api/v2/chat/sessions`));
      const session = sessions.data.find((s) => s.id === meta?.sessionId);
      assert.equal(session?.messageCount, 8);
      assert.equal(session?.title, "question 1");
    });

    test("sessions list newest first with pagination, and delete deactivates", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push(String(data(await chat({ message: `list ${i}` }), "meta")[0]?.sessionId));
      const first = await jsonOf<Page<SessionView>>(fetch(`${gateway.url}/api/v2/chat/sessions?limit=2`));
      assert.deepEqual(first.data.map((s) => s.id), [ids[2], ids[1]]);
      assert.ok(first.nextCursor);
      const second = await jsonOf<Page<SessionView>>(fetch(`${gateway.url}/api/v2/chat/sessions?limit=2&cursor=${encodeURIComponent(first.nextCursor)}`));
      assert.equal(second.data[0]?.id, ids[0]);

      const removed = await fetch(`${gateway.url}/api/v2/chat/sessions/${ids[2]}`, { method: "DELETE" });
      assert.equal(removed.status, 204);
      const again = await fetch(`${gateway.url}/api/v2/chat/sessions/${ids[2]}`, { method: "DELETE" });
      assert.equal(again.status, 404);
      assert.equal((await jsonOf<ErrorBody>(again)).error.code, "not_found");
      const listed = await jsonOf<Page<SessionView>>(fetch(`${gateway.url}/api/v2/chat/sessions?limit=100`));
      assert.ok(!listed.data.some((s) => s.id === ids[2]));
      const continued = await postJson(`${gateway.url}/api/v2/chat/stream`, { message: "still there?", sessionId: ids[2] });
      assert.equal(continued.status, 404);
    });

    test("sessions and messages survive a restart on the same store", async () => {
      mock.reset();
      mock.script = () => ({ text: "persisted answer" });
      const [meta] = data(await chat({ message: "remember me" }), "meta");
      await gateway.shutdown();
      gateway = await startGateway(config());
      const messages = await jsonOf<Page<MessageView>>(fetch(`${gateway.url}/api/v2/chat/sessions/${String(meta?.sessionId)}/messages`));
      assert.deepEqual(
        messages.data.map((m) => m.content),
        ["remember me", "persisted answer"],
      );
      await chat({ message: "and now?", sessionId: meta?.sessionId });
      const sent = mock.requests.at(-1)?.body.messages as Array<{ content: string }>;
      assert.deepEqual(sent.map((m) => m.content), ["remember me", "persisted answer", "and now?"]);
    });

    test("an engine failure before the first token is a JSON error; the turn is stored as incomplete", async () => {
      mock.reset();
      mock.script = () => ({ status: 503, errorMessage: "overloaded upstream" });
      const response = await postJson(`${gateway.url}/api/v2/chat/stream`, { message: "will fail" });
      assert.equal(response.status, 502);
      const body = await jsonOf<ErrorBody>(response);
      assert.equal(body.error.code, "upstream_error");
      assert.match(body.error.traceId, /^[0-9a-f]{32}$/);
      assert.equal(response.headers.get("x-trace-id"), body.error.traceId);
      const sessions = await jsonOf<Page<SessionView>>(fetch(`${gateway.url}/api/v2/chat/sessions?limit=1`));
      const messages = await jsonOf<Page<MessageView>>(fetch(`${gateway.url}/api/v2/chat/sessions/${sessions.data[0]?.id}/messages`));
      assert.deepEqual(
        messages.data.map((m) => [m.role, m.content, m.status]),
        [
          ["user", "will fail", "complete"],
          ["assistant", "", "incomplete"],
        ],
      );
    });

    test("a failure midway ends the stream with an error event and keeps the partial text as incomplete", async () => {
      mock.reset();
      mock.script = () => ({ chunks: ["partial ", "answer ", "never ", "finished"], midStreamError: { afterChunks: 2, message: "upstream fell over" } });
      const events = await chat({ message: "break midway" });
      assert.equal(events.at(-1)?.event, "error");
      assert.equal(data(events, "error")[0]?.code, "upstream_error");
      const sessionId = data(events, "meta")[0]?.sessionId;
      const messages = await jsonOf<Page<MessageView>>(fetch(`${gateway.url}/api/v2/chat/sessions/${String(sessionId)}/messages`));
      assert.deepEqual([messages.data[1]?.content, messages.data[1]?.status], ["partial answer ", "incomplete"]);
    });
  });
}
