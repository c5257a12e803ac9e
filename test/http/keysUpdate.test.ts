/**
 * Changing API keys over real HTTP (`PATCH /api/v2/admin/keys/:id`): each change shows in the key view and takes
 * effect on the very next request (rate limit, model list, budget), bad changes are refused with the field at
 * fault; and `GET /api/v2/keys` lists the caller's own keys only.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import type { TestGateway } from "../support/startGateway.js";
import type { ErrorBody } from "../support/apiTypes.js";
import { ADMIN_KEY, call, chatBody, createKey, startAuthGateway, type KeyCreated } from "../auth/authGateway.js";

interface KeyView {
  id: string;
  name: string;
  userId: string;
  role: string;
  prefix: string;
  allowedModels: string[] | null;
  rpm: number | null;
  tpm: number | null;
  budgetUsd: number | null;
  budgetWindow: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  accessLevel: number;
}

let mock: MockUpstream;
let gateway: TestGateway;

const patch = (id: string, body: unknown, token = ADMIN_KEY) => call(gateway, "PATCH", `/api/v2/admin/keys/${id}`, { token, body });
const patched = async (id: string, body: unknown) => {
  const response = await patch(id, body);
  assert.equal(response.status, 200, `${JSON.stringify(body)}: ${await response.clone().text()}`);
  return (await response.json()) as KeyView;
};
const refused = async (response: Response, status: number, code: string, param?: string) => {
  assert.equal(response.status, status, await response.clone().text());
  const body = (await response.json()) as ErrorBody;
  assert.equal(body.error.code, code);
  if (param !== undefined) assert.equal(body.error.param, param);
};
const chat = (key: KeyCreated, model = "vllm/mock-model") => call(gateway, "POST", "/v1/chat/completions", { token: key.key, body: chatBody(model) });

before(async () => {
  mock = await startMockUpstream();
  mock.script = () => ({ chunks: ["ok"], usage: { prompt_tokens: 10, completion_tokens: 10 } });
  gateway = await startAuthGateway(mock, {
    // Limits on, with room to spare for the admin calls; chat per key from the configuration unless the key says.
    rateLimits: { perKey: { chat: { rpm: 600 }, admin: { rpm: 1000 }, other: { rpm: 1000 } }, perUser: { chat: { rpm: 1000 }, admin: { rpm: 1000 }, other: { rpm: 1000 } } },
    pricing: { "vllm/mock-model": { input: 100, output: 100 } },
  });
});
after(async () => {
  await gateway?.stop();
  await mock?.close();
});

test("a PATCHed rpm applies to the very next request, and null restores the configured limit", async () => {
  const key = await createKey(gateway, { name: "limited", userId: `u-${randomUUID()}` });
  const first = await chat(key);
  assert.equal(first.status, 200);
  assert.equal(first.headers.get("x-ratelimit-limit"), "600");
  await first.arrayBuffer();

  const view = await patched(key.id, { rpm: 2 });
  assert.equal(view.rpm, 2);
  const second = await chat(key);
  assert.equal(second.status, 200);
  assert.equal(second.headers.get("x-ratelimit-limit"), "2", "the new limit, not a cached one");
  await second.arrayBuffer();
  await refused(await chat(key), 429, "rate_limited");

  assert.equal((await patched(key.id, { rpm: null })).rpm, null);
  const after = await chat(key);
  assert.equal(after.status, 200);
  assert.equal(after.headers.get("x-ratelimit-limit"), "600");
  await after.arrayBuffer();
});

test("allowedModels and the budget apply at once too; every field reads back in the key view and the listing", async () => {
  const key = await createKey(gateway, { name: "before", userId: `u-${randomUUID()}` });
  assert.equal((await chat(key)).status, 200);

  assert.deepEqual((await patched(key.id, { allowedModels: ["vllm/other-model", " vllm/other-model "] })).allowedModels, ["vllm/other-model"]);
  await refused(await chat(key), 403, "forbidden", "model");
  assert.equal((await patched(key.id, { allowedModels: null })).allowedModels, null);
  assert.equal((await chat(key)).status, 200);

  // Far below what one request reserves: the next request is refused for the budget.
  const budgeted = await patched(key.id, { budgetUsd: 0.000001, budgetWindow: "total" });
  assert.deepEqual([budgeted.budgetUsd, budgeted.budgetWindow], [0.000001, "total"]);
  await refused(await chat(key), 402, "budget_exceeded");
  assert.deepEqual(await patched(key.id, { budgetUsd: 50 }).then((v) => [v.budgetUsd, v.budgetWindow]), [50, "total"], "the window is kept");
  assert.equal((await chat(key)).status, 200);
  assert.deepEqual(await patched(key.id, { budgetUsd: null }).then((v) => [v.budgetUsd, v.budgetWindow]), [null, null], "null clears both");

  const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
  const changed = await patched(key.id, { name: "  after  ", tpm: 5000, expiresAt, accessLevel: 3 });
  assert.deepEqual([changed.name, changed.tpm, changed.expiresAt, changed.accessLevel], ["after", 5000, expiresAt, 3]);
  const cleared = await patched(key.id, { expiresAt: null, accessLevel: null, tpm: null });
  assert.deepEqual([cleared.expiresAt, cleared.accessLevel, cleared.tpm, cleared.name], [null, 0, null, "after"]);

  const listing = (await (await call(gateway, "GET", "/api/v2/admin/keys", { token: ADMIN_KEY })).json()) as { data: KeyView[] };
  assert.deepEqual(listing.data.find((listed) => listed.id === key.id), cleared);
  assert.ok(!("key" in cleared) && !Object.keys(cleared).some((field) => /hash/i.test(field)));
});

test("bad changes are refused with the field at fault; unknown and revoked keys are 404; users are 403", async () => {
  const key = await createKey(gateway, { name: "target", userId: `u-${randomUUID()}` });
  // A key without a budget needs both halves; the error names the missing one.
  await refused(await patch(key.id, { budgetUsd: 5 }), 400, "invalid_request", "budgetWindow");
  await refused(await patch(key.id, { budgetWindow: "day" }), 400, "invalid_request", "budgetUsd");
  await refused(await patch(key.id, { budgetUsd: null, budgetWindow: "day" }), 400, "invalid_request", "budgetWindow");
  await refused(await patch(key.id, { expiresAt: "2001-01-01T00:00:00Z" }), 400, "invalid_request", "expiresAt");
  await refused(await patch(key.id, { expiresAt: "next week" }), 400, "invalid_request", "expiresAt");
  await refused(await patch(key.id, { name: "   " }), 400, "invalid_request", "name");
  for (const body of [{}, { role: "admin" }, { userId: "someone" }, { rpm: 0 }, { rpm: "5" }, { budgetUsd: -1, budgetWindow: "day" }, { budgetWindow: "week" }, { allowedModels: [] }, { accessLevel: -1 }]) {
    await refused(await patch(key.id, body), 400, "invalid_request");
  }
  const unchanged = (await (await call(gateway, "GET", "/api/v2/admin/keys", { token: ADMIN_KEY })).json()) as { data: KeyView[] };
  const stored = unchanged.data.find((listed) => listed.id === key.id);
  assert.deepEqual([stored?.name, stored?.rpm, stored?.budgetUsd, stored?.role], ["target", null, null, "user"], "nothing refused was written");

  await refused(await patch(randomUUID(), { rpm: 5 }), 404, "not_found");
  assert.equal((await call(gateway, "DELETE", `/api/v2/admin/keys/${key.id}`, { token: ADMIN_KEY })).status, 204);
  await refused(await patch(key.id, { rpm: 5 }), 404, "not_found");

  const user = await createKey(gateway, { name: "user", userId: `u-${randomUUID()}` });
  await refused(await patch(user.id, { rpm: 5000 }, user.key), 403, "forbidden");
  await refused(await call(gateway, "PATCH", `/api/v2/admin/keys/${user.id}`, { body: { rpm: 5 } }), 401, "unauthorized");
});

test("GET /api/v2/keys: the caller's own keys, revoked included, newest first; nobody else's", async () => {
  const userId = `u-${randomUUID()}`;
  const older = await createKey(gateway, { name: "older", userId });
  const newer = await createKey(gateway, { name: "newer", userId, rpm: 7 });
  const other = await createKey(gateway, { name: "other", userId: `u-${randomUUID()}` });
  assert.equal((await call(gateway, "DELETE", `/api/v2/admin/keys/${older.id}`, { token: ADMIN_KEY })).status, 204);

  const response = await call(gateway, "GET", "/api/v2/keys", { token: newer.key });
  assert.equal(response.status, 200);
  const mine = (await response.json()) as { data: KeyView[] };
  assert.deepEqual(mine.data.map((key) => [key.id, key.name, key.rpm, key.revokedAt === null]), [[newer.id, "newer", 7, true], [older.id, "older", null, false]]);
  assert.ok(mine.data.every((key) => !("key" in key)), "never the key itself");
  const theirs = (await (await call(gateway, "GET", "/api/v2/keys", { token: other.key })).json()) as { data: KeyView[] };
  assert.deepEqual(theirs.data.map((key) => key.id), [other.id]);
  await refused(await call(gateway, "GET", "/api/v2/keys?userId=someone", { token: other.key }), 400, "invalid_request");
  await refused(await call(gateway, "GET", "/api/v2/keys"), 401, "unauthorized");
});
