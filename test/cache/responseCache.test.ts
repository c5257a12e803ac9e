/**
 * The response cache end to end: real gateways over the mock upstream. Two replicas share PostgreSQL and Redis
 * (L2, generations, the invalidation broadcast); single gateways cover TTL expiry and an unreachable Redis.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { createTestPostgresDatabase, type TestPostgresDatabase } from "../support/pgDatabase.js";
import { eventually } from "../support/eventually.js";
import { readSse } from "../support/readSse.js";
import { cacheCommand } from "../../src/cliCache.js";

const adminKey = "sy-admin-bootstrap-key-0123456789abcdef";
const redisUrl = process.env.SWITCHYARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

let mock: MockUpstream;
let database: TestPostgresDatabase;
let replicas: TestGateway[] = [];
let alice: string;
let bob: string;
const userIds = new Map<string, string>();

before(async () => {
  mock = await startMockUpstream();
  mock.script = () => ({ text: "The answer is 42.", usage: { prompt_tokens: 5, completion_tokens: 4 } });
  database = await createTestPostgresDatabase();
  // A key prefix of its own: the shared Redis may hold other runs' entries and generations.
  const keyPrefix = `sy-test-${randomBytes(4).toString("hex")}:`;
  const config = {
    store: { url: database.url },
    redis: { url: redisUrl, keyPrefix },
    engines: [openAIEngine("vllm", mock.url)],
    auth: { mode: "keys", adminKey },
    cache: { enabled: true },
  };
  replicas = [await startGateway(config), await startGateway(config)];
  alice = await createKey(`alice-${randomBytes(3).toString("hex")}`);
  bob = await createKey(`bob-${randomBytes(3).toString("hex")}`);
});
after(async () => {
  await Promise.all(replicas.map((g) => g.stop()));
  await database?.drop();
  await mock?.close();
});

async function createKey(userId: string): Promise<string> {
  const response = await fetch(`${replicas[0]!.url}/api/v2/admin/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ name: `k-${randomBytes(3).toString("hex")}`, userId }),
  });
  assert.equal(response.status, 201);
  const key = ((await response.json()) as { key: string }).key;
  userIds.set(key, userId);
  return key;
}

interface Completion {
  model: string;
  choices: Array<{ message: { content: string | null }; finish_reason: string }>;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

const unique = () => `question ${randomBytes(6).toString("hex")}`;

async function chat(gateway: TestGateway, key: string | undefined, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: JSON.stringify({ model: "vllm/mock-model", ...body }),
  });
  const text = await response.text();
  assert.ok(response.status < 500, `status ${response.status}: ${text}`);
  return { status: response.status, cache: response.headers.get("x-switchyard-cache"), body: JSON.parse(text) as Completion };
}

const deterministic = (content: string) => ({ temperature: 0, messages: [{ role: "user", content }] });

test("a repeated temperature-0 request is a hit: same content and usage, no upstream call", async () => {
  const request = deterministic(unique());
  const first = await chat(replicas[0]!, alice, request);
  assert.equal(first.status, 200);
  assert.equal(first.cache, "miss");
  const calls = mock.requests.length;
  const second = await chat(replicas[0]!, alice, request);
  assert.equal(second.cache, "hit");
  assert.equal(mock.requests.length, calls, "a hit does not reach the upstream");
  assert.equal(second.body.choices[0]!.message.content, "The answer is 42.");
  assert.deepEqual(second.body.choices, first.body.choices);
  assert.deepEqual(second.body.usage, first.body.usage);
  assert.equal(second.body.model, "vllm/mock-model");
  // L2: the other replica answers from Redis.
  const other = await chat(replicas[1]!, alice, request);
  assert.equal(other.cache, "hit");
  assert.equal(mock.requests.length, calls);
  // Field order does not matter.
  const reordered = await chat(replicas[0]!, alice, { messages: request.messages, temperature: 0 });
  assert.equal(reordered.cache, "hit");
});

test("a streamed request is served from the same entry and replayed as SSE ending in [DONE]", async () => {
  const request = deterministic(unique());
  assert.equal((await chat(replicas[0]!, alice, request)).cache, "miss");
  const calls = mock.requests.length;
  const response = await fetch(`${replicas[0]!.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${alice}` },
    body: JSON.stringify({ model: "vllm/mock-model", ...request, stream: true, stream_options: { include_usage: true } }),
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("x-switchyard-cache"), "hit");
  const events = await readSse(response);
  assert.equal(events.at(-1)?.data, "[DONE]");
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as { choices: Array<{ delta: { content?: string }; finish_reason: string | null }>; usage?: unknown });
  assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? "").join(""), "The answer is 42.");
  assert.equal(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason, "stop");
  assert.ok(chunks.some((c) => c.usage), "the usage chunk is replayed when asked for");
  assert.equal(mock.requests.length, calls);

  // A streamed miss is stored too.
  const streamed = deterministic(unique());
  const live = await fetch(`${replicas[0]!.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${alice}` },
    body: JSON.stringify({ model: "vllm/mock-model", ...streamed, stream: true }),
  });
  assert.equal(live.headers.get("x-switchyard-cache"), "miss");
  await readSse(live);
  const replay = await chat(replicas[0]!, alice, streamed);
  assert.equal(replay.cache, "hit");
  assert.equal(replay.body.choices[0]!.message.content, "The answer is 42.");
});

test("another tenant asking the same thing misses and goes upstream", async () => {
  const request = deterministic(unique());
  await chat(replicas[0]!, alice, request);
  const calls = mock.requests.length;
  const other = await chat(replicas[0]!, bob, request);
  assert.equal(other.cache, "miss");
  assert.equal(mock.requests.length, calls + 1);
});

test("temperature 0.7 and the bypass header skip the cache; the use header opts a request in", async () => {
  const warm = deterministic(unique());
  await chat(replicas[0]!, alice, warm);
  const calls = mock.requests.length;
  const sampled = { ...warm, temperature: 0.7 };
  assert.equal((await chat(replicas[0]!, alice, sampled)).cache, "bypass");
  assert.equal((await chat(replicas[0]!, alice, sampled)).cache, "bypass");
  assert.equal((await chat(replicas[0]!, alice, warm, { "x-switchyard-cache": "bypass" })).cache, "bypass");
  assert.equal(mock.requests.length, calls + 3, "bypassed requests all go upstream");
  const optIn = { ...sampled, messages: [{ role: "user", content: unique() }] };
  assert.equal((await chat(replicas[0]!, alice, optIn, { "x-switchyard-cache": "use" })).cache, "miss");
  assert.equal((await chat(replicas[0]!, alice, optIn, { "x-switchyard-cache": "use" })).cache, "hit");
});

test("upstream errors and unfinished answers are not stored", async () => {
  const request = deterministic(unique());
  const post = () =>
    fetch(`${replicas[0]!.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${alice}` },
      body: JSON.stringify({ model: "vllm/mock-model", ...request }),
    });
  try {
    mock.script = () => ({ status: 400, errorMessage: "bad" });
    assert.equal((await post()).status, 400);
    mock.script = () => ({ text: "cut", omitFinishReason: true });
    assert.equal((await post()).status, 502);
  } finally {
    mock.script = () => ({ text: "The answer is 42.", usage: { prompt_tokens: 5, completion_tokens: 4 } });
  }
  assert.equal((await chat(replicas[0]!, alice, request)).cache, "miss");
  assert.equal((await chat(replicas[0]!, alice, request)).cache, "hit");
});

async function invalidate(gateway: TestGateway, body: Record<string, unknown>) {
  return fetch(`${gateway.url}/api/v2/admin/cache/invalidate`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

for (const [what, target] of [
  ["tenant", (user: string) => ({ tenant: user })],
  ["model", () => ({ model: "vllm/mock-model" })],
] as const) {
  test(`invalidation by ${what} on replica A is seen by replica B within 100 ms`, async () => {
    const request = deterministic(unique());
    await chat(replicas[1]!, alice, request);
    assert.equal((await chat(replicas[1]!, alice, request)).cache, "hit", "B holds the entry in L1");
    const userId = userIds.get(alice)!;
    const response = await invalidate(replicas[0]!, target(userId));
    const answeredAt = performance.now();
    assert.equal(response.status, 200);
    const result = (await response.json()) as { shared: boolean; generations: Record<string, number> };
    assert.equal(result.shared, true);
    await eventually(async () => (await chat(replicas[1]!, alice, request)).cache === "miss", 2000, "a miss on B");
    const elapsed = performance.now() - answeredAt;
    assert.ok(elapsed < 100, `B answered miss ${elapsed.toFixed(1)} ms after the invalidation`);
    assert.equal((await chat(replicas[1]!, alice, request)).cache, "hit", "the fresh answer is cached again");
  });
}

test("invalidation by key id, and the admin API's validation", async () => {
  assert.equal((await invalidate(replicas[0]!, {})).status, 400);
  assert.equal((await invalidate(replicas[0]!, { colour: "red" })).status, 400);
  const asUser = await fetch(`${replicas[0]!.url}/api/v2/admin/cache/invalidate`, {
    method: "POST",
    headers: { authorization: `Bearer ${alice}`, "content-type": "application/json" },
    body: JSON.stringify({ tenant: "x" }),
  });
  assert.equal(asUser.status, 403);
  const response = await invalidate(replicas[0]!, { keyId: "no-such-key" });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { invalidated: { keyId: string }; generations: Record<string, number> };
  assert.equal(body.invalidated.keyId, "no-such-key");
  assert.ok((body.generations["key:no-such-key"] ?? 0) >= 1);
});

test("cache_requests_total moves with hits, misses and bypasses", async () => {
  const scrape = async () => {
    const text = await (await fetch(`${replicas[0]!.url}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } })).text();
    const value = (result: string) => Number(new RegExp(`^cache_requests_total\\{result="${result}"\\} (\\S+)$`, "m").exec(text)?.[1] ?? 0);
    return { hit: value("hit"), miss: value("miss"), bypass: value("bypass") };
  };
  const before = await scrape();
  const request = deterministic(unique());
  await chat(replicas[0]!, alice, request);
  await chat(replicas[0]!, alice, request);
  await chat(replicas[0]!, alice, { ...request, temperature: 1 });
  const after = await scrape();
  assert.deepEqual({ hit: after.hit - before.hit, miss: after.miss - before.miss, bypass: after.bypass - before.bypass }, { hit: 1, miss: 1, bypass: 1 });
});

test("switchyard cache warm fills a running gateway's cache", async () => {
  const dir = await mkdtemp(join(tmpdir(), "switchyard-warm-"));
  try {
    const a = unique();
    const b = unique();
    const file = join(dir, "warm.jsonl");
    await writeFile(
      file,
      [
        JSON.stringify({ model: "vllm/mock-model", messages: [{ role: "user", content: a }] }),
        JSON.stringify({ model: "vllm/mock-model", messages: [{ role: "user", content: b }], temperature: 0.5 }),
        JSON.stringify({ model: "vllm/mock-model", messages: [{ role: "user", content: a }] }),
        "{not json",
      ].join("\n"),
    );
    let stdout = "";
    let stderr = "";
    const code = await cacheCommand(["warm", file, "--url", replicas[0]!.url, "--key", alice], {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
    });
    assert.equal(code, 1, "the malformed line fails the run");
    assert.match(stdout, /warm\.jsonl:1: miss/);
    assert.match(stdout, /warm\.jsonl:3: hit/);
    assert.match(stdout, /warmed: 2 stored, 1 already cached, 0 bypassed, 1 failed/);
    assert.match(stderr, /warm\.jsonl:4:/);
    // Warmed for the key's user: a plain deterministic request of that user is now a hit, on either replica.
    const calls = mock.requests.length;
    assert.equal((await chat(replicas[1]!, alice, { messages: [{ role: "user", content: b }], temperature: 0.5 }, { "x-switchyard-cache": "use" })).cache, "hit");
    assert.equal(mock.requests.length, calls);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a short TTL expires; TTL overrides apply per model name", async () => {
  const gateway = await startGateway({
    engines: [openAIEngine("vllm", mock.url, ["mock-model", "other-model"])],
    cache: { enabled: true, ttlSeconds: 60, ttl: { "vllm/mock-model": 0.2 } },
  });
  try {
    const request = deterministic(unique());
    assert.equal((await chat(gateway, undefined, request)).cache, "miss");
    assert.equal((await chat(gateway, undefined, request)).cache, "hit");
    const longLived = { ...request, model: "vllm/other-model" };
    assert.equal((await chat(gateway, undefined, longLived)).cache, "miss");
    const startedAt = performance.now();
    await eventually(async () => (await chat(gateway, undefined, request)).cache === "miss", 3000, "the entry to expire");
    assert.ok(performance.now() - startedAt < 2000);
    assert.equal((await chat(gateway, undefined, longLived)).cache, "hit", "the 60 s entry is still there");
    // Without Redis, invalidation is local and says so.
    const response = await invalidate(gateway, { model: "vllm/other-model" });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { shared: boolean }).shared, false);
    assert.equal((await chat(gateway, undefined, longLived)).cache, "miss");
  } finally {
    await gateway.stop();
  }
});

test("Redis unreachable: the cache keeps working in L1, no 5xx", async () => {
  const gateway = await startGateway({
    redis: { url: "redis://127.0.0.1:1", connectTimeoutMs: 200, commandTimeoutMs: 200 },
    engines: [openAIEngine("vllm", mock.url)],
    cache: { enabled: true },
  });
  try {
    const request = deterministic(unique());
    const calls = mock.requests.length;
    assert.equal((await chat(gateway, undefined, request)).cache, "miss");
    assert.equal((await chat(gateway, undefined, request)).cache, "hit");
    assert.equal(mock.requests.length, calls + 1);
    const response = await invalidate(gateway, { tenant: "local" });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { shared: boolean }).shared, false);
    assert.equal((await chat(gateway, undefined, request)).cache, "miss");
  } finally {
    await gateway.stop();
  }
});

test("cache disabled: no header, and invalidation says the cache is off", async () => {
  const gateway = await startGateway({ engines: [openAIEngine("vllm", mock.url)] });
  try {
    const answer = await chat(gateway, undefined, deterministic(unique()));
    assert.equal(answer.cache, null);
    assert.equal((await invalidate(gateway, { tenant: "local" })).status, 400);
  } finally {
    await gateway.stop();
  }
});
