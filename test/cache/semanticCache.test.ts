/**
 * The semantic cache end to end, on SQLite and on PostgreSQL: a real gateway over the mock upstream, with a second
 * mock upstream as the embedding target serving the paraphrase embedder (test/support/paraphraseEmbedding.ts) on
 * the OpenAI embeddings wire. Every test asks under a system prompt of its own, so each works in scopes of its own.
 */
import { after, before, describe, mock, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Writable } from "node:stream";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { startMockUpstream, type MockScript, type MockUpstream, type RecordedRequest } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { createTestPostgresDatabase, type TestPostgresDatabase } from "../support/pgDatabase.js";
import { readSse } from "../support/readSse.js";
import { paraphraseEmbedding } from "../support/paraphraseEmbedding.js";

const adminKey = "sy-admin-bootstrap-key-0123456789abcdef";

let chatMock: MockUpstream;
let embedMock: MockUpstream;

const lastUserText = (request: RecordedRequest): string => {
  const messages = (request.body.messages ?? []) as Array<{ role: string; content: unknown }>;
  const content = messages.filter((message) => message.role === "user").at(-1)?.content;
  return typeof content === "string" ? content : JSON.stringify(content);
};
const answering = (request: RecordedRequest): MockScript => ({ text: `answer to: ${lastUserText(request)}`, usage: { prompt_tokens: 7, completion_tokens: 4 } });
const embedding = (): MockScript => ({ embedding: (input) => paraphraseEmbedding(typeof input === "string" ? input : input.join(" ")) });

before(async () => {
  chatMock = await startMockUpstream();
  chatMock.script = answering;
  embedMock = await startMockUpstream();
  embedMock.script = embedding;
});
after(async () => {
  await chatMock?.close();
  await embedMock?.close();
});

const chatCalls = () => chatMock.requests.filter((request) => request.path.endsWith("/chat/completions")).length;
const embeddingCalls = () => embedMock.requests.filter((request) => request.path.endsWith("/embeddings")).length;
const systemPrompt = () => `You answer briefly. (${randomBytes(5).toString("hex")})`;

interface Turn {
  role: string;
  content: string;
}

const ask = (system: string, question: string, fields: Record<string, unknown> = {}) => ({
  model: "faq",
  messages: [
    { role: "system", content: system },
    { role: "user", content: question },
  ] satisfies Turn[],
  ...fields,
});

for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`semantic cache over HTTP [${dialect}]`, () => {
    let gateway: TestGateway;
    let database: TestPostgresDatabase | undefined;
    const keys = new Map<string, { key: string; id: string }>();
    const logs: Array<Record<string, unknown>> = [];

    before(async () => {
      database = dialect === "postgres" ? await createTestPostgresDatabase() : undefined;
      const config = {
        ...(database ? { store: { url: database.url } } : {}),
        engines: [
          openAIEngine("vllm", chatMock.url),
          // No retries and a breaker that never opens: the outage tests must not leave the target shut for the rest.
          { name: "embedder", type: "openai", baseUrl: embedMock.url, embeddingModels: ["para-embed"], retry: { attempts: 0 }, breaker: { minRequests: 100_000 } },
        ],
        embeddings: { engine: "embedder", model: "para-embed" },
        routes: [
          { name: "faq", targets: ["vllm/mock-model"], semanticCache: {} },
          { name: "loose", targets: ["vllm/mock-model"], semanticCache: { threshold: 0.8 } },
          { name: "chatty", targets: ["vllm/mock-model"], semanticCache: { multiTurn: true } },
          { name: "brief", targets: ["vllm/mock-model"], semanticCache: { ttlSeconds: 60 } },
          { name: "plain", targets: ["vllm/mock-model"] },
          { name: "masked", targets: ["vllm/mock-model"], semanticCache: {}, guardrails: ["emails-out"] },
        ],
        guardrails: { rules: [{ name: "emails-out", kind: "pii", entities: ["email"], stages: ["output"], action: "mask" }] },
        auth: { mode: "keys", adminKey },
        // Priced, so a key with a budget has its unbounded requests cut to budgets.defaultMaxTokens.
        pricing: { "vllm/mock-model": { input: 1, output: 1 } },
        cache: { enabled: true, semantic: { embeddingTimeoutMs: 500, purgeIntervalSeconds: 120 } },
      };
      const destination = new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString().split("\n")) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
          done();
        },
      });
      gateway = await startGateway(config, { logDestination: destination, logLevel: "warn" });
      for (const [name, userId] of [
        ["alice", "alice"],
        ["alice-2", "alice"],
        ["bob", "bob"],
      ]) {
        keys.set(name as string, await createKey(userId as string));
      }
      keys.set("carol", await createKey("carol", { budgetUsd: 100, budgetWindow: "month" }));
    });
    after(async () => {
      mock.timers.reset();
      await gateway?.stop();
      await database?.drop();
    });

    async function createKey(userId: string, fields: Record<string, unknown> = {}): Promise<{ key: string; id: string }> {
      const response = await fetch(`${gateway.url}/api/v2/admin/keys`, {
        method: "POST",
        headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
        body: JSON.stringify({ name: `k-${randomBytes(3).toString("hex")}`, userId, ...fields }),
      });
      assert.equal(response.status, 201);
      return (await response.json()) as { key: string; id: string };
    }

    const keyOf = (name: string) => {
      const key = keys.get(name);
      assert.ok(key, `a key named ${name}`);
      return key.key;
    };

    async function chat(body: Record<string, unknown>, options: { as?: string; headers?: Record<string, string> } = {}) {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${keyOf(options.as ?? "alice")}`, ...options.headers },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      assert.equal(response.status, 200, text);
      const parsed = JSON.parse(text) as { model: string; choices: Array<{ message: { content: string | null } }> };
      return {
        cache: response.headers.get("x-switchyard-cache"),
        score: response.headers.get("x-switchyard-cache-score"),
        content: parsed.choices[0]?.message.content,
        model: parsed.model,
      };
    }

    async function metric(name: string, labels = ""): Promise<number> {
      const text = await (await fetch(`${gateway.url}/metrics`)).text();
      const line = text.split("\n").find((row) => row.startsWith(`${name}${labels} `) || (labels === "" && row.startsWith(`${name} `)));
      return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
    }
    const stored = () => metric("semantic_cache_writes_total", '{result="stored"}');
    const lookups = (result: string) => metric("semantic_cache_lookups_total", `{result="${result}"}`);

    /** Writes happen after the answer went out: waits on the counter, by performance.now (Date may be faked). */
    async function waitForStored(count: number): Promise<void> {
      const deadline = performance.now() + 5000;
      while ((await stored()) < count) {
        if (performance.now() > deadline) throw new Error(`timed out waiting for ${count} stored semantic entries`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    /**
     * Asks, expects a miss, and waits until its answer is stored: every stored miss goes through here, so no write
     * is still on its way when the next request (or test) counts on the store.
     */
    async function prime(body: Record<string, unknown>, as = "alice", what = "a miss") {
      const before = await stored();
      const answer = await chat(body, { as });
      assert.equal(answer.cache, "miss", what);
      await waitForStored(before + 1);
      return answer;
    }

    /** SQL on the gateway's database from a connection of the test's own. */
    async function sideSql(text: string): Promise<Array<Record<string, unknown>>> {
      if (database) {
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        try {
          return (await client.query(text)).rows as Array<Record<string, unknown>>;
        } finally {
          await client.end();
        }
      }
      const connection = new BetterSqlite3(join(gateway.dataDir, "switchyard.db"));
      try {
        connection.pragma("busy_timeout = 5000");
        const statement = connection.prepare(text);
        return statement.reader ? (statement.all() as Array<Record<string, unknown>>) : (statement.run(), []);
      } finally {
        connection.close();
      }
    }

    test("a paraphrase gets the stored answer, plain and streamed: semantic-hit with its score, no upstream call", async () => {
      const system = systemPrompt();
      const first = await prime(ask(system, "What is the capital of France?"));
      assert.equal(first.content, "answer to: What is the capital of France?");
      const calls = chatCalls();
      const embeddings = embeddingCalls();
      const again = await chat(ask(system, "what's the capital city of France"));
      assert.equal(again.cache, "semantic-hit");
      assert.equal(again.score, "1.0000");
      assert.equal(again.content, "answer to: What is the capital of France?");
      assert.equal(again.model, "vllm/mock-model");
      assert.equal(chatCalls(), calls, "a hit does not reach the upstream");
      assert.equal(embeddingCalls(), embeddings + 1, "the lookup embedded the question once");

      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${keyOf("alice")}` },
        body: JSON.stringify({ ...ask(system, "What's the capital city of France, please?"), stream: true }),
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("x-switchyard-cache"), "semantic-hit");
      assert.equal(response.headers.get("x-switchyard-cache-score"), "1.0000");
      const events = await readSse(response);
      assert.equal(events.at(-1)?.data, "[DONE]");
      const chunks = events.slice(0, -1).map((event) => JSON.parse(event.data) as { choices: Array<{ delta: { content?: string } }> });
      assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join(""), "answer to: What is the capital of France?");
      assert.equal(chatCalls(), calls);
    });

    test("a guardrail that masks the answer of a semantic hit keeps the hit's headers and score", async () => {
      const system = systemPrompt();
      const first = await prime({ ...ask(system, "What is the support address? It is help@example.com"), model: "masked" });
      assert.equal(first.content, "answer to: What is the support address? It is [EMAIL]");
      const again = await chat({ ...ask(system, "what's the support address? it is help@example.com"), model: "masked" });
      assert.equal(again.cache, "semantic-hit");
      assert.equal(again.score, "1.0000");
      assert.equal(again.content, "answer to: What is the support address? It is [EMAIL]");
    });

    test("every inbound API shares the entries: /v1/responses and /v1/messages get semantic hits with the same headers", async () => {
      const system = systemPrompt();
      await prime(ask(system, "What is the capital of France?"));
      await prime(ask(system, "What is the capital of France?", { max_tokens: 100 }));
      const post = (path: string, body: Record<string, unknown>) =>
        fetch(`${gateway.url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${keyOf("alice")}` },
          body: JSON.stringify(body),
        });
      const responses = await post("/v1/responses", { model: "faq", instructions: system, input: "what's the capital city of France" });
      assert.equal(responses.status, 200);
      assert.equal(responses.headers.get("x-switchyard-cache"), "semantic-hit");
      assert.equal(responses.headers.get("x-switchyard-cache-score"), "1.0000");
      const response = (await responses.json()) as { output: Array<{ type: string; content?: Array<{ type: string; text: string }> }> };
      const text = response.output.find((item) => item.type === "message")?.content?.find((part) => part.type === "output_text")?.text;
      assert.equal(text, "answer to: What is the capital of France?");
      // Anthropic's wire always carries max_tokens: it matches the entry stored with the same limit.
      const messages = await post("/v1/messages", { model: "faq", system, max_tokens: 100, messages: [{ role: "user", content: "what's the capital city of France" }] });
      assert.equal(messages.status, 200);
      assert.equal(messages.headers.get("x-switchyard-cache"), "semantic-hit");
      assert.equal(messages.headers.get("x-switchyard-cache-score"), "1.0000");
      const message = (await messages.json()) as { content: Array<{ type: string; text?: string }> };
      assert.equal(message.content.find((block) => block.type === "text")?.text, "answer to: What is the capital of France?");
    });

    test("near misses miss, whichever is asked first, and each keeps its own answer", async () => {
      const pairs: Array<[string, string]> = [
        ["convert 5 km to miles", "convert 50 km to miles"],
        ["Is it safe to swim in the lake?", "Is it not safe to swim in the lake?"],
        ["What is the capital of France?", "What is the capital of Spain?"],
      ];
      for (const [a, b] of pairs) {
        for (const [first, second] of [
          [a, b],
          [b, a],
        ] as const) {
          const system = systemPrompt();
          await prime(ask(system, first));
          const other = await prime(ask(system, second), "alice", `${second} after ${first}`);
          assert.equal(other.score, null);
          assert.equal(other.content, `answer to: ${second}`);
          // Both are stored, and each still answers only itself.
          assert.equal((await chat(ask(system, first))).content, `answer to: ${first}`);
          const repeat = await chat(ask(system, second));
          assert.equal(repeat.cache, "semantic-hit");
          assert.equal(repeat.content, `answer to: ${second}`);
        }
      }
    });

    test("a route's own threshold: 0.8 takes a question with one word more (score 0.8165), the default 0.95 does not", async () => {
      const system = systemPrompt();
      const bucket = (le: string) => metric("semantic_cache_best_score_bucket", `{le="${le}"}`);
      const [scored, below, within] = [await metric("semantic_cache_best_score_count"), await bucket("0.8"), await bucket("0.85")];
      await prime({ ...ask(system, "What is the capital of France?"), model: "loose" });
      const loose = await chat({ ...ask(system, "What is the capital of France today?"), model: "loose" });
      assert.equal(loose.cache, "semantic-hit");
      assert.equal(loose.score, "0.8165");
      assert.equal(loose.content, "answer to: What is the capital of France?");
      await prime(ask(system, "What is the capital of France?"));
      const strict = await prime(ask(system, "What is the capital of France today?"));
      assert.equal(strict.content, "answer to: What is the capital of France today?");
      // The best score of each lookup that found a candidate (the loose hit and the strict miss; the primes found none).
      assert.equal(await metric("semantic_cache_best_score_count"), scored + 2);
      assert.equal((await bucket("0.85")) - within, 2, "both 0.8165 scores are at most 0.85");
      assert.equal(await bucket("0.8"), below, "and above 0.8");
    });

    test("tenants are isolated: another user's key never gets a hit, the same user's other key does", async () => {
      const system = systemPrompt();
      await prime(ask(system, "How do I reset my password?"), "alice");
      const sibling = await chat(ask(system, "how can I reset my password"), { as: "alice-2" });
      assert.equal(sibling.cache, "semantic-hit", "a user's keys share the user's entries");
      const calls = chatCalls();
      // Bob asks the very question Alice's entry holds: it goes upstream, and is stored for Bob alone.
      await prime(ask(system, "How do I reset my password?"), "bob");
      assert.equal(chatCalls(), calls + 1);
      assert.equal((await chat(ask(system, "how can I reset my password"), { as: "bob" })).cache, "semantic-hit", "Bob's own entry");
      assert.equal(chatCalls(), calls + 1);
    });

    test("another system prompt, tools or temperature band misses; a temperature in the same band hits", async () => {
      const system = systemPrompt();
      const question = "What is the capital of France?";
      await prime(ask(system, question, { temperature: 0.3 }));
      const tools = [{ type: "function", function: { name: "lookup_capital", parameters: { type: "object", properties: {} } } }];
      const misses: Array<[string, Record<string, unknown>]> = [
        ["another system prompt", ask(systemPrompt(), question, { temperature: 0.3 })],
        ["no system prompt", { model: "faq", messages: [{ role: "user", content: question }], temperature: 0.3 }],
        ["tools", ask(system, question, { temperature: 0.3, tools })],
        ["temperature 0.8", ask(system, question, { temperature: 0.8 })],
        ["temperature 0", ask(system, question, { temperature: 0 })],
        ["no temperature", ask(system, question)],
      ];
      for (const [what, body] of misses) await prime(body, "alice", what);
      const sameBand = await chat(ask(system, "what's the capital city of France", { temperature: 0.5 }));
      assert.equal(sameBand.cache, "semantic-hit");
      assert.equal(sameBand.content, `answer to: ${question}`);
    });

    test("a conversation is ineligible by default (no embedding call); with multiTurn it matches only the same history", async () => {
      const system = systemPrompt();
      const conversation = (earlier: string, last: string, model = "faq") => ({
        model,
        messages: [
          { role: "system", content: system },
          { role: "user", content: earlier },
          { role: "assistant", content: "Paris." },
          { role: "user", content: last },
        ],
      });
      const ineligible = await lookups("ineligible");
      const embeddings = embeddingCalls();
      for (let i = 0; i < 2; i++) {
        // The exact cache bypasses an unset temperature, and the semantic cache does not look.
        assert.equal((await chat(conversation("What is the capital of France?", "What is its population?"))).cache, "bypass");
      }
      assert.equal(embeddingCalls(), embeddings, "an ineligible request pays no embedding call");
      assert.equal(await lookups("ineligible"), ineligible + 2);

      await prime(conversation("What is the capital of France?", "What is its population?", "chatty"));
      const same = await chat(conversation("What is the capital of France?", "what's its population", "chatty"));
      assert.equal(same.cache, "semantic-hit");
      assert.equal(same.content, "answer to: What is its population?");
      await prime(conversation("What is the capital of Spain?", "What is its population?", "chatty"), "alice", "another history");
    });

    test("the exact cache answers first (no embedding call); bypass skips both; a route that did not opt in never embeds", async () => {
      const system = systemPrompt();
      const exact = ask(system, "convert 5 km to miles", { temperature: 0 });
      await prime(exact);
      const embeddings = embeddingCalls();
      assert.equal((await chat(exact)).cache, "hit");
      assert.equal(embeddingCalls(), embeddings, "an exact hit pays no embedding call");
      const paraphrase = ask(system, "Convert 5 kilometers into miles", { temperature: 0 });
      const semantic = await chat(paraphrase);
      assert.equal(semantic.cache, "semantic-hit");
      assert.equal(semantic.content, "answer to: convert 5 km to miles");

      const calls = chatCalls();
      const bypassed = await chat(paraphrase, { headers: { "x-switchyard-cache": "bypass" } });
      assert.equal(bypassed.cache, "bypass");
      assert.equal(bypassed.content, "answer to: Convert 5 kilometers into miles");
      assert.equal(chatCalls(), calls + 1);
      assert.equal(embeddingCalls(), embeddings + 1, "only the semantic lookup above embedded");

      for (let i = 0; i < 2; i++) assert.equal((await chat({ ...ask(system, "What is the capital of France?"), model: "plain" })).cache, "bypass");
      assert.equal(embeddingCalls(), embeddings + 1);
    });

    test("tool calls and answers larger than cache.maxEntryBytes are not stored", async () => {
      const skippedCount = () => metric("semantic_cache_writes_total", '{result="skipped"}');
      const scripts: Array<[string, MockScript]> = [
        ["a tool call", { toolCalls: [{ id: "call_1", name: "lookup_capital", arguments: '{"country":"France"}' }] }],
        ["a large answer", { text: "x".repeat(300_000) }],
      ];
      for (const [what, script] of scripts) {
        const system = systemPrompt();
        const skipped = await skippedCount();
        chatMock.script = () => script;
        try {
          assert.equal((await chat(ask(system, "What is the capital of France?"))).cache, "miss");
          const deadline = performance.now() + 5000;
          while ((await skippedCount()) < skipped + 1) {
            if (performance.now() > deadline) throw new Error(`${what} was never offered to the cache`);
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        } finally {
          chatMock.script = answering;
        }
        const again = await prime(ask(system, "what's the capital city of France"), "alice", what);
        assert.equal(again.content, "answer to: what's the capital city of France");
      }
    });

    test("an answer cut to a budget's token limit is not stored", async () => {
      const system = systemPrompt();
      const before = await stored();
      // Carol's key has a budget and the request no max_tokens: the meter sends budgets.defaultMaxTokens instead.
      assert.equal((await chat(ask(system, "What is the capital of France?"), { as: "carol" })).cache, "miss");
      const sent = chatMock.requests.at(-1)?.body;
      assert.equal(sent?.max_tokens ?? sent?.max_completion_tokens, 1024, "the request went out cut to the budget's limit");
      // A request with its own limit is not cut, and is stored: by then a write of the cut answer would have landed.
      await prime(ask(system, "What is the capital of Spain?", { max_tokens: 64 }), "carol");
      assert.equal(await stored(), before + 1, "only the answer to the request as sent was stored");
      assert.equal((await chat(ask(system, "what's the capital city of France"), { as: "carol" })).cache, "miss");
    });

    test("the embedding target failing or hanging is a miss, logged at warn and counted, never a failed request", async () => {
      const system = systemPrompt();
      const errors = await lookups("error");
      const before = await stored();
      try {
        embedMock.script = () => ({ status: 503, errorMessage: "embedding model overloaded" });
        const failed = await chat(ask(system, "What is the capital of France?"));
        assert.equal(failed.cache, "miss");
        assert.equal(failed.content, "answer to: What is the capital of France?");
        embedMock.script = () => ({ hang: true });
        const startedAt = performance.now();
        const hung = await chat(ask(system, "What is the capital of Spain?"));
        assert.equal(hung.cache, "miss");
        assert.ok(performance.now() - startedAt < 4000, "the lookup gave up after embeddingTimeoutMs");
      } finally {
        embedMock.script = embedding;
      }
      assert.equal(await lookups("error"), errors + 2);
      assert.equal(await stored(), before, "a miss without an embedding stores nothing");
      assert.ok(
        logs.some((line) => line.level === 40 && String(line.msg).startsWith("semantic cache: embedding the request failed")),
        "a warning says the embedding failed",
      );
      // Back up: the same question is stored and then found again.
      await prime(ask(system, "What is the capital of France?"));
      assert.equal((await chat(ask(system, "what's the capital city of France"))).cache, "semantic-hit");
    });

    test("the store failing is a miss too, and the cache works again once it is back", async () => {
      const system = systemPrompt();
      await prime(ask(system, "How do I reset my password?"));
      const errors = await lookups("error");
      await sideSql("alter table semantic_cache rename to semantic_cache_away");
      try {
        const answer = await chat(ask(system, "how can I reset my password"));
        assert.equal(answer.cache, "miss");
        assert.equal(answer.content, "answer to: how can I reset my password");
      } finally {
        await sideSql("alter table semantic_cache_away rename to semantic_cache");
      }
      assert.equal(await lookups("error"), errors + 1);
      assert.equal((await chat(ask(system, "how can I reset my password"))).cache, "semantic-hit");
    });

    test("the admin route's invalidation by tenant, by route and by key clears semantic entries on every replica's store", async () => {
      const invalidate = async (body: Record<string, unknown>) => {
        const response = await fetch(`${gateway.url}/api/v2/admin/cache/invalidate`, {
          method: "POST",
          headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        assert.equal(response.status, 200);
        return (await response.json()) as { semantic?: { deleted: number }; shared?: boolean };
      };
      const targets: Array<[string, Record<string, unknown>]> = [
        ["tenant", { tenant: "alice" }],
        ["route", { model: "faq" }],
        ["key", { keyId: keys.get("alice")?.id }],
      ];
      for (const [what, target] of targets) {
        const system = systemPrompt();
        await prime(ask(system, "What is the capital of France?"));
        assert.equal((await chat(ask(system, "what's the capital city of France"))).cache, "semantic-hit");
        const result = await invalidate(target);
        assert.ok((result.semantic?.deleted ?? 0) >= 1, `${what}: ${JSON.stringify(result)}`);
        assert.equal(result.shared, false, "the exact cache answers as before (no Redis: this replica only)");
        await prime(ask(system, "what's the capital city of France"), "alice", what);
      }
    });

    test("a reload applies a route's new semantic settings", async () => {
      const system = systemPrompt();
      await prime(ask(system, "What is the capital of France?"));
      const withFaq = (semanticCache: Record<string, unknown>) => ({
        ...gateway.config,
        routes: gateway.config.routes.map((route) => (route.name === "faq" ? { ...route, semanticCache: { enabled: true, ...semanticCache } } : route)),
      });
      try {
        gateway.reload(withFaq({ enabled: false }));
        const embeddings = embeddingCalls();
        assert.equal((await chat(ask(system, "what's the capital city of France"))).cache, "bypass", "off: the exact cache alone speaks");
        assert.equal(embeddingCalls(), embeddings);
        gateway.reload(withFaq({ threshold: 0.8 }));
        const loose = await chat(ask(system, "What is the capital of France today?"));
        assert.equal(loose.cache, "semantic-hit");
        assert.equal(loose.score, "0.8165");
      } finally {
        gateway.reload(gateway.config);
      }
      await prime(ask(system, "What is the capital of France today?"), "alice", "the default threshold again");
    });

    test("entries expire after the route's TTL and the next write purges them from the store", async () => {
      const system = systemPrompt();
      const question = "Is it safe to swim in the lake?";
      mock.timers.enable({ apis: ["Date"], now: Date.now() });
      try {
        await prime({ ...ask(system, question), model: "brief" });
        mock.timers.tick(59_000);
        assert.equal((await chat({ ...ask(system, "is it safe to swim in the lake"), model: "brief" })).cache, "semantic-hit");
        mock.timers.tick(1_000);
        const expired = await prime({ ...ask(system, "is it safe to swim in the lake"), model: "brief" }, "alice", "expired at its TTL");
        assert.equal(expired.content, "answer to: is it safe to swim in the lake");
        // The purge runs on a write once purgeIntervalSeconds have passed since the last one.
        mock.timers.tick(121_000);
        await prime({ ...ask(system, "What is the capital of Spain?"), model: "brief" });
        const now = Date.now();
        const deadline = performance.now() + 5000;
        for (;;) {
          const rows = await sideSql(`select count(*) as n from semantic_cache where expires_at <= ${now}`);
          if (Number(rows[0]?.n) === 0) break;
          if (performance.now() > deadline) throw new Error(`${String(rows[0]?.n)} expired entries were not purged`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      } finally {
        mock.timers.reset();
      }
    });
  });
}
