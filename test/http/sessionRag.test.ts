/**
 * Retrieval in session chat (`rag`) over real HTTP, on SQLite and on PostgreSQL, with API keys of different access
 * levels: the citations event, the numbered sources the upstream receives, citations kept on the stored answer,
 * projects and access levels respected (by retrieval and by the search_documents tool), the 400 without a project,
 * a failing store refusing the turn before anything is written, and budgets reserving for the sources too.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { postJson, readSse, type SseEvent } from "../support/readSse.js";
import { jsonOf, type ErrorBody, type MessageView, type Page, type SessionView } from "../support/apiTypes.js";
import { createTestPostgresDatabase } from "../support/pgDatabase.js";
import { call, createKey, startAuthGateway } from "../auth/authGateway.js";
import { messagesOf, toolConversation, toolMessagesOf } from "../support/toolConversation.js";

interface Citation {
  n: number;
  documentId: string;
  title: string;
  chunkId: number | null;
  score: number;
  headingPath: string;
  excerpt: string;
}
interface StoredMessage extends MessageView {
  citations: Citation[] | null;
}

interface StoreUnderTest {
  name: string;
  setup(): Promise<{ url: string; teardown(): Promise<void> }>;
  /** Makes document retrieval fail in the store itself; returns the repair. */
  breakRetrieval(url: string): Promise<() => Promise<void>>;
}

const stores: StoreUnderTest[] = [
  {
    name: "sqlite",
    async setup() {
      const dir = await mkdtemp(join(tmpdir(), "switchyard-rag-"));
      return { url: `sqlite:${join(dir, "rag.db")}`, teardown: () => rm(dir, { recursive: true, force: true }) };
    },
    async breakRetrieval(url) {
      const db = new Database(url.slice("sqlite:".length));
      db.exec("alter table document_chunks rename to document_chunks_away");
      return async () => {
        db.exec("alter table document_chunks_away rename to document_chunks");
        db.close();
      };
    },
  },
  {
    name: "postgres",
    async setup() {
      const db = await createTestPostgresDatabase();
      return { url: db.url, teardown: db.drop };
    },
    async breakRetrieval(url) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query("alter table document_chunks rename to document_chunks_away");
      return async () => {
        await client.query("alter table document_chunks_away rename to document_chunks");
        await client.end();
      };
    },
  },
];

const data = <T>(events: SseEvent[], name: string) => events.filter((e) => e.event === name).map((e) => JSON.parse(e.data) as T);
const SECRET_FACT = "scorpions-venom-immunity-classified";

for (const storeUnderTest of stores) {
  describe(`session retrieval on ${storeUnderTest.name}`, () => {
    let mock: MockUpstream;
    let gateway: TestGateway;
    let storeUrl: string;
    let teardown: () => Promise<void>;
    let alice: string;
    let bob: string;
    const docs: Record<string, string> = {};

    before(async () => {
      mock = await startMockUpstream();
      ({ url: storeUrl, teardown } = await storeUnderTest.setup());
      gateway = await startAuthGateway(mock, { store: { url: storeUrl }, chat: { historyWindow: 10 } });
      alice = (await createKey(gateway, { name: "alice", userId: "alice", accessLevel: 2 })).key;
      bob = (await createKey(gateway, { name: "bob", userId: "bob" })).key;
      const file = async (key: string, name: string, body: Record<string, unknown>) => {
        const response = await call(gateway, "POST", "/api/v2/documents", { token: key, body: { type: "note", ...body } });
        assert.equal(response.status, 201, await response.clone().text());
        docs[name] = ((await response.json()) as { id: string }).id;
      };
      await file(alice, "habits", { projectId: "zoo", title: "Meerkat habits", content: "# Habits\n\nMeerkats stand sentry on termite mounds while the group forages." });
      await file(alice, "diet", { projectId: "zoo", title: "Meerkat diet", accessLevel: 2, content: `# Diet\n\nMeerkats eat scorpions. ${SECRET_FACT}.` });
      await file(alice, "farm", { projectId: "farm", title: "Farm animals", content: "Meerkats never visit the farm; cows and sheep do." });
    });
    after(async () => {
      await gateway.stop();
      await mock.close();
      await teardown();
    });

    const chat = async (key: string, body: Record<string, unknown>) => {
      const response = await call(gateway, "POST", "/api/v2/chat/stream", { token: key, body });
      assert.equal(response.status, 200, await response.clone().text());
      return readSse(response);
    };
    const promptText = (index = 0) => messagesOf(mock.requests[index]).map((m) => m.content ?? "").join("\n");

    test("citations come after meta and before the tokens; the prompt numbers the sources; the stored answer keeps them", async () => {
      mock.reset();
      mock.script = () => ({ text: "They stand sentry [1] and eat scorpions [2]." });
      const events = await chat(alice, { message: "What do meerkats do and eat?", projectId: "zoo", rag: true, system: "Be brief." });
      assert.deepEqual(
        events.map((e) => e.event).filter((name, i, all) => name !== all[i - 1]),
        ["meta", "citations", "token", "done"],
      );
      const [{ citations } = { citations: [] }] = data<{ citations: Citation[] }>(events, "citations");
      assert.deepEqual(citations.map((c) => c.n), [1, 2]);
      assert.deepEqual(new Set(citations.map((c) => c.documentId)), new Set([docs.habits, docs.diet]), "the zoo's documents, not the farm's");
      assert.equal(citations[0]?.score, 1);
      for (const citation of citations) {
        assert.equal(typeof citation.chunkId, "number");
        assert.ok(citation.excerpt.length > 0);
      }
      const diet = citations.find((c) => c.documentId === docs.diet);
      assert.equal(diet?.title, "Meerkat diet");
      assert.equal(diet?.headingPath, "Diet");
      assert.match(diet?.excerpt ?? "", /Meerkats eat scorpions/);

      // One leading system message: the request's prompt, then the instruction and the numbered sources.
      const sent = messagesOf(mock.requests[0]);
      assert.deepEqual(sent.map((m) => m.role), ["system", "user"]);
      const system = sent[0]?.content ?? "";
      assert.match(system, /^Be brief\.\n\nSources retrieved/);
      assert.match(system, /cite each one you use by its number in square brackets, like \[1\]/);
      for (const citation of citations) {
        assert.ok(system.includes(`[${citation.n}] ${citation.title} — ${citation.headingPath}\n`), `source ${citation.n} is numbered in the prompt`);
      }
      assert.ok(system.includes("Meerkats stand sentry on termite mounds while the group forages."));
      assert.ok(!system.includes("cows and sheep"), "another project's document is not a source");

      const sessionId = data<{ sessionId: string }>(events, "meta")[0]?.sessionId;
      const stored = await jsonOf<Page<StoredMessage>>(call(gateway, "GET", `/api/v2/chat/sessions/${sessionId}/messages`, { token: alice }));
      assert.deepEqual(stored.data.map((m) => [m.role, m.citations === null]), [
        ["user", true],
        ["assistant", false],
      ]);
      assert.deepEqual(stored.data[1]?.citations, citations);
    });

    test("nothing found: an empty citations event, and the model is told there are no sources", async () => {
      mock.reset();
      mock.script = () => ({ text: "No sources on that." });
      const events = await chat(alice, { message: "quantum chromodynamics", projectId: "zoo", rag: { topK: 3, threshold: 0.5 } });
      assert.deepEqual(data<{ citations: Citation[] }>(events, "citations"), [{ citations: [] }]);
      assert.match(promptText(), /No documents matched the user's message/);
      assert.equal(events.at(-1)?.event, "done");
    });

    test("rag without a project is refused before anything is stored; a session's project serves later turns", async () => {
      mock.reset();
      const sessions = async () => (await jsonOf<Page<SessionView>>(call(gateway, "GET", "/api/v2/chat/sessions?limit=100", { token: bob }))).data.length;
      const before = await sessions();
      const refused = await call(gateway, "POST", "/api/v2/chat/stream", { token: bob, body: { message: "meerkats?", rag: true } });
      assert.equal(refused.status, 400);
      const body = await jsonOf<ErrorBody>(refused);
      assert.equal(body.error.code, "invalid_request");
      assert.equal(body.error.param, "projectId");
      assert.equal(await sessions(), before);
      assert.equal(mock.requests.length, 0);

      mock.script = () => ({ text: "ok" });
      const first = await chat(bob, { message: "Hello", projectId: "zoo" });
      assert.equal(data(first, "citations").length, 0, "no citations event without rag");
      const sessionId = data<{ sessionId: string }>(first, "meta")[0]?.sessionId;
      const later = await chat(bob, { message: "Where do meerkats stand?", sessionId, rag: true });
      const [{ citations } = { citations: [] }] = data<{ citations: Citation[] }>(later, "citations");
      assert.deepEqual(citations.map((c) => c.documentId), [docs.habits]);
    });

    test("a chunk above the caller's access level never reaches the prompt, through retrieval or the search tool", async () => {
      mock.reset();
      mock.script = () => ({ text: "ok" });
      const asBob = await chat(bob, { message: "What do meerkats eat?", projectId: "zoo", rag: true });
      const bobCites = data<{ citations: Citation[] }>(asBob, "citations")[0]?.citations ?? [];
      assert.ok(!bobCites.some((c) => c.documentId === docs.diet));
      assert.ok(!promptText(0).includes(SECRET_FACT));
      const asAlice = await chat(alice, { message: "What do meerkats eat?", projectId: "zoo", rag: true });
      assert.ok((data<{ citations: Citation[] }>(asAlice, "citations")[0]?.citations ?? []).some((c) => c.documentId === docs.diet));
      assert.ok(promptText(1).includes(SECRET_FACT), "the same question by a reader of level 2 gets it");

      mock.reset();
      mock.script = toolConversation([{ id: "call_s1", name: "search_documents", arguments: '{"query":"meerkats scorpions sentry","topK":10}' }], () => ({ text: "done" }));
      const searched = await chat(bob, { message: "Look it up", projectId: "zoo", tools: ["search_documents"] });
      const [tool] = data<{ result: Array<{ documentId: string; text: string }> }>(searched, "tool");
      assert.deepEqual(tool?.result.map((r) => r.documentId), [docs.habits], "the caller's level and the session's project");
      assert.ok(!(toolMessagesOf(mock.requests[1])[0]?.content ?? "").includes(SECRET_FACT));
    });

    test("a store that fails during retrieval is a clear 503 before anything is streamed or stored", async () => {
      mock.reset();
      const sessions = async () => (await jsonOf<Page<SessionView>>(call(gateway, "GET", "/api/v2/chat/sessions?limit=100", { token: alice }))).data.length;
      const before = await sessions();
      const repair = await storeUnderTest.breakRetrieval(storeUrl);
      try {
        const response = await call(gateway, "POST", "/api/v2/chat/stream", { token: alice, body: { message: "meerkats?", projectId: "zoo", rag: true } });
        assert.equal(response.status, 503);
        assert.match(response.headers.get("content-type") ?? "", /application\/json/);
        const body = await jsonOf<ErrorBody>(response);
        assert.equal(body.error.code, "store_unavailable");
        assert.match(body.error.message, /retrieving documents failed/);
        assert.equal(response.headers.get("retry-after"), "2");
      } finally {
        await repair();
      }
      assert.equal(await sessions(), before, "no session and no half-written turn");
      assert.equal(mock.requests.length, 0, "the engine was never called");
      mock.script = () => ({ text: "back" });
      const events = await chat(alice, { message: "meerkats?", projectId: "zoo", rag: true });
      assert.equal(events.at(-1)?.event, "done");
    });
  });
}

describe("budgets with retrieval", () => {
  let mock: MockUpstream;
  let gateway: TestGateway;

  before(async () => {
    mock = await startMockUpstream();
    gateway = await startGateway({
      engines: [openAIEngine("vllm", mock.url)],
      // $0.001 an input token and a $0.10 budget: about 100 tokens of prompt may be reserved, output is free.
      pricing: { "vllm/mock-model": { input: 1000, output: 0 } },
      budgets: { perUser: { usd: 0.1, window: "day" }, defaultMaxTokens: 16 },
    });
    const long = Array.from({ length: 80 }, (_, i) => `Meerkat fact number ${i}: they live in burrows.`).join(" ");
    const filed = await postJson(`${gateway.url}/api/v2/documents`, { projectId: "zoo", type: "note", title: "Many facts", content: long });
    assert.equal(filed.status, 201);
  });
  after(async () => {
    await gateway.stop();
    await mock.close();
  });

  test("the reservation counts the retrieved sources: the same question fits without them and is refused with them", async () => {
    mock.script = () => ({ text: "ok", usage: { prompt_tokens: 1, completion_tokens: 1 } });
    const plain = await postJson(`${gateway.url}/api/v2/chat/stream`, { message: "Where do meerkats live?", projectId: "zoo" });
    assert.equal(plain.status, 200);
    await plain.text();
    const withSources = await postJson(`${gateway.url}/api/v2/chat/stream`, { message: "Where do meerkats live?", projectId: "zoo", rag: true });
    assert.equal(withSources.status, 402);
    assert.equal((await jsonOf<ErrorBody>(withSources)).error.code, "budget_exceeded");
    assert.equal(mock.requests.length, 1, "the refused turn never reached the engine");
  });
});
