/**
 * The usage APIs with authentication on: each user sees their own requests, admins everyone's with filters;
 * and a key's own budget is enforced alongside.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import type { ErrorBody } from "../support/apiTypes.js";
import type { UsageList } from "./usageTypes.js";

const ADMIN_KEY = "sy-usage-test-admin-key-0123456789abcdef";
let mock: MockUpstream;
let gateway: TestGateway;
const keys: Record<string, { id: string; key: string }> = {};

const call = async (token: string, path: string, init: { method?: string; body?: unknown } = {}) =>
  fetch(`${gateway.url}${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { "content-type": "application/json" }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
const list = async (token: string, path: string) => {
  const response = await call(token, path);
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as UsageList;
};
const ask = (name: string, stream = false) =>
  call(keys[name]?.key ?? "", "/v1/chat/completions", {
    method: "POST",
    body: { model: "vllm/mock-model", max_tokens: 10, stream, messages: [{ role: "user", content: "hi" }] },
  });

before(async () => {
  mock = await startMockUpstream();
  mock.script = () => ({ chunks: ["ok"], usage: { prompt_tokens: 10, completion_tokens: 10 } });
  gateway = await startGateway({
    engines: [openAIEngine("vllm", mock.url)],
    pricing: { "vllm/mock-model": { input: 100, output: 100 } },
    rateLimits: { enabled: false },
    auth: { mode: "keys", adminKey: ADMIN_KEY },
  });
  // Reserved per request: (5 + 10) estimated tokens at 100 USD per million = 0.0015; charged: 20 tokens = 0.002.
  // The capped key (0.0036) fits a second request (0.002 + 0.0015) but not a third.
  for (const [name, body] of Object.entries({
    alice: { name: "alice main", userId: "alice" },
    aliceCapped: { name: "alice capped", userId: "alice", budgetUsd: 0.0036, budgetWindow: "total" },
    bob: { name: "bob", userId: "bob" },
  })) {
    const response = await call(ADMIN_KEY, "/api/v2/admin/keys", { method: "POST", body });
    assert.equal(response.status, 201, await response.clone().text());
    keys[name] = (await response.json()) as { id: string; key: string };
  }
  for (const [name, times] of [["alice", 3], ["bob", 2]] as const) {
    for (let i = 0; i < times; i++) assert.equal((await ask(name, i === 0)).status, 200);
  }
});
after(async () => {
  await gateway.stop();
  await mock.close();
});

test("a key's own budget: two requests fit, the third is refused with 402 and recorded", async () => {
  const statuses = [];
  for (let i = 0; i < 3; i++) {
    const response = await ask("aliceCapped");
    statuses.push(response.status);
    if (response.status === 402) {
      const body = (await response.json()) as ErrorBody;
      assert.equal(body.error.code, "budget_exceeded");
      assert.match(body.error.message, /this API key's budget of \$0.0036 in total/);
    } else await response.text();
  }
  assert.deepEqual(statuses, [200, 200, 402]);
  const capped = await list(ADMIN_KEY, `/api/v2/admin/usage?keyId=${keys.aliceCapped?.id}`);
  assert.deepEqual(capped.data.map((row) => row.status), ["rejected", "complete", "complete"]);
});

test("GET /api/v2/usage: only the caller's own requests, with totals", async () => {
  const bob = await list(keys.bob?.key ?? "", "/api/v2/usage");
  assert.equal(bob.totals.requests, 2);
  assert.ok(bob.data.every((row) => row.userId === "bob" && row.keyId === keys.bob?.id));
  assert.deepEqual([bob.totals.inputTokens, bob.totals.outputTokens], [20, 20]);
  assert.ok(Math.abs(bob.totals.costUsd - 2 * 0.002) < 1e-12);

  const alice = await list(keys.alice?.key ?? "", "/api/v2/usage");
  assert.ok(alice.data.every((row) => row.userId === "alice"));
  assert.equal(new Set(alice.data.map((row) => row.keyId)).size, 2, "every key of the user");
});

test("GET /api/v2/admin/usage: admins only, filterable, paged", async () => {
  assert.equal((await call(keys.bob?.key ?? "", "/api/v2/admin/usage")).status, 403);
  const all = await list(ADMIN_KEY, "/api/v2/admin/usage");
  assert.deepEqual(new Set(all.data.map((row) => row.userId)), new Set(["alice", "bob"]));
  assert.equal((await list(ADMIN_KEY, "/api/v2/admin/usage?userId=bob")).totals.requests, 2);
  assert.equal((await list(ADMIN_KEY, `/api/v2/admin/usage?keyId=${keys.alice?.id}&engine=vllm&model=mock-model`)).totals.requests, 3);
  assert.equal((await list(ADMIN_KEY, "/api/v2/admin/usage?engine=other")).totals.requests, 0);
  assert.equal((await list(ADMIN_KEY, "/api/v2/admin/usage?from=2999-01-01")).totals.requests, 0);
  assert.equal((await list(ADMIN_KEY, "/api/v2/admin/usage?to=2000-01-01T00:00:00Z")).totals.requests, 0);
  assert.equal((await list(ADMIN_KEY, "/api/v2/admin/usage?from=2000-01-01&to=2999-01-01")).totals.requests, all.totals.requests);

  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: UsageList = await list(ADMIN_KEY, `/api/v2/admin/usage?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    assert.ok(page.data.length <= 2);
    seen.push(...page.data.map((row) => row.id));
    cursor = page.nextCursor;
  } while (cursor !== null);
  assert.deepEqual(seen, all.data.map((row) => row.id));
  const times = all.data.map((row) => Date.parse(row.createdAt));
  assert.deepEqual(times, [...times].sort((a, b) => b - a), "newest first");
});

test("bad filters are the client's error", async () => {
  for (const query of ["from=yesterday", "to=2025-13-45", "from=2025-01-01T10:00:00", "from=2025-02-01&to=2025-01-01", "limit=0", "cursor=nonsense", "status=weird", "other=1"]) {
    const response = await call(ADMIN_KEY, `/api/v2/admin/usage?${query}`);
    assert.equal(response.status, 400, query);
    assert.equal(((await response.json()) as ErrorBody).error.code, "invalid_request");
  }
  assert.equal((await call(keys.bob?.key ?? "", "/api/v2/usage?userId=alice")).status, 400, "users cannot ask for someone else's usage");
});
