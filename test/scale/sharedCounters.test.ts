/**
 * Two gateways over one PostgreSQL and one Redis, as two replicas: a per-key limit of N per minute admits exactly N
 * requests across both, and a budget for 10 worst-case reservations admits exactly 10 concurrent requests across
 * both. Without a reachable Redis, open fail mode keeps serving (readiness says degraded) and closed mode refuses
 * with 503 store_unavailable.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { startMockUpstream, type MockUpstream, type MockUsage } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { createTestPostgresDatabase, type TestPostgresDatabase } from "../support/pgDatabase.js";

const adminKey = "sy-admin-bootstrap-key-0123456789abcdef";
const redisUrl = process.env.SWITCHYARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const usage: MockUsage = { prompt_tokens: 5, completion_tokens: 7 };
// Output at $1000 per million and max_tokens 100: each request reserves $0.1 (input is free); $1 holds 10.
const price = { input: 0, output: 1000 };

let mock: MockUpstream;
let database: TestPostgresDatabase;
let replicas: TestGateway[] = [];

before(async () => {
  mock = await startMockUpstream();
  mock.script = () => ({ text: "hi", usage });
  database = await createTestPostgresDatabase();
  // A key prefix of its own: the shared Redis may hold other runs' counters.
  const keyPrefix = `sy-test-${randomBytes(4).toString("hex")}:`;
  const config = {
    store: { url: database.url },
    redis: { url: redisUrl, keyPrefix },
    engines: [openAIEngine("vllm", mock.url)],
    auth: { mode: "keys", adminKey },
    pricing: { "vllm/mock-model": price },
  };
  replicas = [await startGateway(config), await startGateway(config)];
});
after(async () => {
  await Promise.all(replicas.map((g) => g.stop()));
  await database?.drop();
  await mock?.close();
});

async function createKey(fields: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${replicas[0]!.url}/api/v2/admin/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ name: `k-${randomBytes(3).toString("hex")}`, userId: `u-${randomBytes(3).toString("hex")}`, ...fields }),
  });
  assert.equal(response.status, 201);
  return ((await response.json()) as { key: string }).key;
}

const chat = (gateway: TestGateway, key: string, maxTokens = 10) =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "vllm/mock-model", max_tokens: maxTokens, messages: [{ role: "user", content: "hi" }] }),
  });

test("a per-key limit of 7 per minute admits exactly 7 of 20 concurrent requests spread over both replicas", async () => {
  const key = await createKey({ rpm: 7 });
  const statuses = await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const response = await chat(replicas[i % 2]!, key);
      await response.text();
      return response.status;
    }),
  );
  assert.equal(statuses.filter((s) => s === 200).length, 7, `statuses: ${statuses.join(",")}`);
  assert.equal(statuses.filter((s) => s === 429).length, 13);
  // Each replica alone would have admitted 7: the counter is shared.
  const after = await chat(replicas[1]!, key);
  assert.equal(after.status, 429);
  assert.equal(after.headers.get("x-ratelimit-limit"), "7");
  assert.equal(after.headers.get("x-ratelimit-remaining"), "0");
});

test("a budget for 10 reservations admits exactly 10 of 24 concurrent requests across both replicas", async () => {
  const key = await createKey({ budgetUsd: 1, budgetWindow: "day" });
  mock.reset();
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const safety = setTimeout(release, 15_000);
  mock.script = () => ({ text: "hi", usage, holdUntil: held });
  let refused = 0;
  const statuses = await Promise.all(
    Array.from({ length: 24 }, async (_, i) => {
      const response = await chat(replicas[i % 2]!, key, 100);
      if (response.status === 402 && ++refused === 14) release();
      await response.text();
      return response.status;
    }),
  );
  clearTimeout(safety);
  mock.script = () => ({ text: "hi", usage });
  assert.equal(statuses.filter((s) => s === 200).length, 10, `statuses: ${statuses.join(",")}`);
  assert.equal(mock.requests.length, 10, "refused requests never reach the upstream");
  // Settled at the real cost (7 output tokens: $0.007 each), the budget has room again, on either replica.
  const next = await chat(replicas[1]!, key, 100);
  assert.equal(next.status, 200);
  await next.text();
});

test("Redis unreachable, open fail mode: requests keep flowing on local counters, readiness says degraded", async () => {
  const gateway = await startGateway({
    redis: { url: "redis://127.0.0.1:1", failMode: "open", connectTimeoutMs: 200, commandTimeoutMs: 200 },
    engines: [openAIEngine("vllm", mock.url)],
    pricing: { "vllm/mock-model": price },
    budgets: { perUser: { usd: 1, window: "day" } },
    rateLimits: { perUser: { chat: { rpm: 3 } } },
  });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await chat(gateway, "unused");
      await response.text();
      statuses.push(response.status);
    }
    // The local limiter still limits: 3 per minute.
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    const ready = await fetch(`${gateway.url}/health/ready`);
    assert.equal(ready.status, 200);
    const body = (await ready.json()) as { status: string; reasons: string[]; checks: { redis?: { ok: boolean } } };
    assert.equal(body.status, "degraded");
    assert.equal(body.checks.redis?.ok, false);
    assert.match(body.reasons.join(" "), /redis/);
  } finally {
    await gateway.stop();
  }
});

test("Redis unreachable, closed fail mode: limited requests get 503 store_unavailable and readiness fails", async () => {
  const gateway = await startGateway({
    redis: { url: "redis://127.0.0.1:1", failMode: "closed", connectTimeoutMs: 200, commandTimeoutMs: 200 },
    engines: [openAIEngine("vllm", mock.url)],
    rateLimits: { perUser: { chat: { rpm: 3 } } },
    health: { failureThreshold: 1 },
  });
  try {
    const response = await chat(gateway, "unused");
    assert.equal(response.status, 503);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, "store_unavailable");
    assert.equal((await fetch(`${gateway.url}/health/ready`)).status, 503);
  } finally {
    await gateway.stop();
  }
});
