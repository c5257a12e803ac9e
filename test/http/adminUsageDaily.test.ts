/**
 * GET /api/v2/admin/usage/daily on a real server: the roll-ups of requests made through the gateway and of older
 * ledger rows, per day and grouped, paged; admins only; bad parameters are 400 invalid_request.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import type { ErrorBody } from "../support/apiTypes.js";
import { openStore, type Store } from "../../src/store/openStore.js";
import { rollUpUsage } from "../../src/retention/rollUpUsage.js";
import { DAY_MS, dayOf, nextDay } from "../../src/store/utcDay.js";
import { usageRecord } from "../metering/usageRecord.js";

const ADMIN_KEY = "sy-daily-test-admin-key-0123456789abcdef";
const MAR_1 = Date.UTC(2025, 2, 1);
let mock: MockUpstream;
let gateway: TestGateway;
let store: Store;
let userKey: { id: string; key: string };

interface DailyList {
  data: Array<Record<string, unknown> & { day: string; requests: number; inputTokens: number; outputTokens: number; costUsd: number }>;
  nextCursor: string | null;
  totals: { requests: number; inputTokens: number; outputTokens: number; costUsd: number };
}

const call = (token: string, path: string, init: { method?: string; body?: unknown } = {}) =>
  fetch(`${gateway.url}${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { "content-type": "application/json" }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
const daily = async (query: string) => {
  const response = await call(ADMIN_KEY, `/api/v2/admin/usage/daily?${query}`);
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as DailyList;
};

before(async () => {
  mock = await startMockUpstream();
  mock.script = () => ({ chunks: ["ok"], usage: { prompt_tokens: 10, completion_tokens: 4 } });
  gateway = await startGateway({
    engines: [openAIEngine("vllm", mock.url)],
    pricing: { "vllm/mock-model": { input: 100, output: 100 } },
    rateLimits: { enabled: false },
    auth: { mode: "keys", adminKey: ADMIN_KEY },
  });
  const created = await call(ADMIN_KEY, "/api/v2/admin/keys", { method: "POST", body: { name: "dana", userId: "dana" } });
  assert.equal(created.status, 201);
  userKey = (await created.json()) as { id: string; key: string };
  const chat = await call(userKey.key, "/v1/chat/completions", { method: "POST", body: { model: "vllm/mock-model", messages: [{ role: "user", content: "hi" }] } });
  assert.equal(chat.status, 200, await chat.clone().text());
  // The usage listing writes the replica's buffered ledger rows.
  assert.equal((await call(ADMIN_KEY, "/api/v2/admin/usage")).status, 200);

  store = await openStore(gateway.config.store.url);
  await store.usage.append([
    usageRecord("ann", { createdAt: MAR_1 + 1000, keyId: "k1", engine: "vllm", model: "a", inputTokens: 5, outputTokens: 1, costUsd: 0.5 }),
    usageRecord("ann", { createdAt: MAR_1 + 2000, keyId: null, engine: "vllm", model: "b", inputTokens: 7, outputTokens: 2, costUsd: 0.25 }),
    usageRecord("bob", { createdAt: MAR_1 + 3000, keyId: "k2", engine: "openai", model: "a", inputTokens: 11, outputTokens: 3, costUsd: 1 }),
    usageRecord("bob", { createdAt: MAR_1 + DAY_MS, keyId: "k2", engine: null, model: null, inputTokens: 0, outputTokens: 0, costUsd: 0 }),
  ]);
  await rollUpUsage(store, { from: MAR_1, to: MAR_1 + 2 * DAY_MS });
  await rollUpUsage(store, { from: Date.now(), to: Date.now() + 1 });
});
after(async () => {
  await store?.close();
  await gateway?.stop();
  await mock?.close();
});

test("per day, and per day and user, key, engine or model, with totals over the range", async () => {
  const days = await daily("from=2025-03-01&to=2025-03-03");
  assert.deepEqual(days.data.map((d) => [d.day, d.requests, d.inputTokens, d.outputTokens]), [["2025-03-01", 3, 23, 6], ["2025-03-02", 1, 0, 0]]);
  assert.deepEqual(Object.keys(days.data[0] ?? {}).sort(), ["costUsd", "day", "inputTokens", "outputTokens", "requests"]);
  assert.deepEqual(days.totals, { requests: 4, inputTokens: 23, outputTokens: 6, costUsd: 1.75 });

  const pick = (list: DailyList, field: string) => list.data.map((d) => [d.day, d[field], d.requests]);
  assert.deepEqual(pick(await daily("from=2025-03-01&to=2025-03-03&groupBy=user"), "userId"), [["2025-03-01", "ann", 2], ["2025-03-01", "bob", 1], ["2025-03-02", "bob", 1]]);
  assert.deepEqual(pick(await daily("from=2025-03-01&to=2025-03-02&groupBy=key"), "keyId"), [["2025-03-01", null, 1], ["2025-03-01", "k1", 1], ["2025-03-01", "k2", 1]]);
  assert.deepEqual(pick(await daily("from=2025-03-01&to=2025-03-03&groupBy=engine"), "engine"), [["2025-03-01", "openai", 1], ["2025-03-01", "vllm", 2], ["2025-03-02", null, 1]]);
  const byModel = await daily("from=2025-03-01&to=2025-03-02&groupBy=model");
  assert.deepEqual(byModel.data.map((d) => [d.model, d.requests, d.costUsd]), [["a", 2, 1.5], ["b", 1, 0.25]]);
  assert.equal((await daily("from=2025-03-02&to=2025-03-02")).totals.requests, 0, "an empty range");
});

test("requests made through the gateway appear under today's day once rolled up", async () => {
  const today = dayOf(Date.now());
  const list = await daily(`from=${today}&to=${nextDay(today)}&groupBy=key`);
  assert.deepEqual(list.data.map((d) => [d.keyId, d.requests, d.inputTokens, d.outputTokens]), [[userKey.id, 1, 10, 4]]);
});

test("pages follow the cursor without gaps or repeats", async () => {
  const all = await daily("from=2025-03-01&to=2025-03-03&groupBy=user&limit=100");
  const seen: unknown[] = [];
  let cursor: string | null = null;
  do {
    const page: DailyList = await daily(`from=2025-03-01&to=2025-03-03&groupBy=user&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    assert.ok(page.data.length <= 1);
    seen.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor !== null);
  assert.deepEqual(seen, all.data);
  const days = await daily("from=2025-03-01&to=2025-03-03&limit=1");
  assert.deepEqual((await daily(`from=2025-03-01&to=2025-03-03&limit=1&cursor=${encodeURIComponent(days.nextCursor ?? "")}`)).data.map((d) => d.day), ["2025-03-02"]);
});

test("admins only; bad parameters are 400 invalid_request", async () => {
  assert.equal((await call(userKey.key, "/api/v2/admin/usage/daily?from=2025-03-01&to=2025-03-02")).status, 403);
  assert.equal((await fetch(`${gateway.url}/api/v2/admin/usage/daily?from=2025-03-01&to=2025-03-02`)).status, 401);
  for (const query of [
    "to=2025-03-02",
    "from=2025-03-01",
    "from=yesterday&to=2025-03-02",
    "from=2025-02-30&to=2025-03-02",
    "from=2025-03-01&to=2025-13-01",
    "from=2025-03-05&to=2025-03-01",
    "from=2025-03-01&to=2025-03-02&groupBy=team",
    "from=2025-03-01&to=2025-03-02&limit=0",
    "from=2025-03-01&to=2025-03-02&cursor=nonsense",
    "from=2025-03-01&to=2025-03-02&other=1",
  ]) {
    const response = await call(ADMIN_KEY, `/api/v2/admin/usage/daily?${query}`);
    assert.equal(response.status, 400, query);
    assert.equal(((await response.json()) as ErrorBody).error.code, "invalid_request", query);
  }
  const usageCursor = (await (await call(ADMIN_KEY, "/api/v2/admin/usage?limit=1")).json()) as { nextCursor: string | null };
  assert.ok(usageCursor.nextCursor, "the ledger listing has a second page");
  const replayed = await call(ADMIN_KEY, `/api/v2/admin/usage/daily?from=2025-03-01&to=2025-03-02&cursor=${encodeURIComponent(usageCursor.nextCursor)}`);
  assert.equal(replayed.status, 400, "another list's cursor");
});
