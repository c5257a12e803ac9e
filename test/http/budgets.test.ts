/**
 * The budgets API over real HTTP: keys with budgets and the per-user budget, each with its current window and
 * what the ledger says was spent in it (checked against the usage listing's totals over the same window).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import type { TestGateway } from "../support/startGateway.js";
import type { ErrorBody } from "../support/apiTypes.js";
import { ADMIN_KEY, call, chatBody, createKey, startAuthGateway, type KeyCreated } from "../auth/authGateway.js";
import type { UsageList } from "./usageTypes.js";

interface BudgetItem {
  subject: "key" | "user";
  id: string;
  userId: string;
  name?: string;
  window: "day" | "month" | "total";
  windowStart: string;
  windowEnd: string | null;
  budgetUsd: number;
  spentUsd: number;
}
interface BudgetsBody {
  alertAt: number[];
  data: BudgetItem[];
}

let mock: MockUpstream;
let gateway: TestGateway;
const keys: Record<string, KeyCreated> = {};

const get = async <T>(token: string, path: string): Promise<T> => {
  const response = await call(gateway, "GET", path, { token });
  assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
  return (await response.json()) as T;
};
/** What the usage listing says the filter spent since the window's start. */
const spentPerListing = async (filter: string, windowStart: string) =>
  (await get<UsageList>(ADMIN_KEY, `/api/v2/admin/usage?${filter}&from=${windowStart}`)).totals.costUsd;

before(async () => {
  mock = await startMockUpstream();
  mock.script = () => ({ chunks: ["ok"], usage: { prompt_tokens: 10, completion_tokens: 10 } });
  gateway = await startAuthGateway(mock, {
    pricing: { "vllm/mock-model": { input: 100, output: 100 } },
    budgets: { perUser: { usd: 1, window: "day" }, alertAt: [0.5, 0.8, 1] },
  });
  for (const [name, body] of Object.entries({
    aliceMain: { name: "alice main", userId: "alice" },
    aliceMonthly: { name: "alice monthly", userId: "alice", budgetUsd: 0.5, budgetWindow: "month" },
    bobTotal: { name: "bob total", userId: "bob", budgetUsd: 2, budgetWindow: "total" },
    bobRevoked: { name: "bob revoked", userId: "bob", budgetUsd: 3, budgetWindow: "day" },
    carol: { name: "carol", userId: "carol" },
  })) {
    keys[name] = await createKey(gateway, body);
  }
  for (const [name, times] of [["aliceMonthly", 2], ["aliceMain", 1], ["bobTotal", 1], ["carol", 1]] as const) {
    for (let i = 0; i < times; i++) {
      const response = await call(gateway, "POST", "/v1/chat/completions", { token: keys[name]?.key, body: chatBody() });
      assert.equal(response.status, 200, await response.text());
    }
  }
  for (const name of ["bobRevoked", "carol"]) assert.equal((await call(gateway, "DELETE", `/api/v2/admin/keys/${keys[name]?.id}`, { token: ADMIN_KEY })).status, 204);
});
after(async () => {
  await gateway?.stop();
  await mock?.close();
});

test("admin: every active key with a budget and each user's per-user budget, windows and spend as the ledger has them", async () => {
  const body = await get<BudgetsBody>(ADMIN_KEY, "/api/v2/admin/budgets");
  assert.deepEqual(body.alertAt, [0.5, 0.8, 1]);
  const now = new Date();
  const dayStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const iso = (date: Date) => date.toISOString();
  const day = { window: "day", windowStart: iso(dayStart), windowEnd: iso(new Date(dayStart.getTime() + 86_400_000)), budgetUsd: 1 };
  const month = { window: "month", windowStart: iso(monthStart), windowEnd: iso(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1))), budgetUsd: 0.5 };
  const total = { window: "total", windowStart: "1970-01-01T00:00:00.000Z", windowEnd: null, budgetUsd: 2 };
  const withoutSpend = body.data.map(({ spentUsd: _spent, ...rest }) => rest);
  assert.deepEqual(withoutSpend, [
    { subject: "user", id: "alice", userId: "alice", ...day },
    { subject: "key", id: keys.aliceMonthly?.id, userId: "alice", name: "alice monthly", ...month },
    { subject: "user", id: "bob", userId: "bob", ...day },
    { subject: "key", id: keys.bobTotal?.id, userId: "bob", name: "bob total", ...total },
    // Carol's only key is revoked, but she spent today: her per-user budget is listed; the revoked budgeted key is not.
    { subject: "user", id: "carol", userId: "carol", ...day },
  ]);

  const spent = new Map(body.data.map((item) => [item.id, item.spentUsd]));
  const expected = new Map([
    ["alice", await spentPerListing("userId=alice", day.windowStart)],
    [keys.aliceMonthly?.id, await spentPerListing(`keyId=${keys.aliceMonthly?.id}`, month.windowStart)],
    ["bob", await spentPerListing("userId=bob", day.windowStart)],
    [keys.bobTotal?.id, await spentPerListing(`keyId=${keys.bobTotal?.id}`, total.windowStart)],
    ["carol", await spentPerListing("userId=carol", day.windowStart)],
  ]);
  for (const [id, usd] of expected) assert.ok(Math.abs((spent.get(id ?? "") ?? -1) - usd) < 1e-12, `${id}: ${spent.get(id ?? "")} vs ${usd}`);
  // 20 tokens at 100 USD per million is 0.002 a request.
  assert.ok(Math.abs((spent.get("alice") ?? 0) - 0.006) < 1e-12);
  assert.ok(Math.abs((spent.get(keys.aliceMonthly?.id ?? "") ?? 0) - 0.004) < 1e-12);
});

test("own: the caller's key budgets and per-user budget only; admins only on the admin route", async () => {
  const alice = await get<BudgetsBody>(keys.aliceMain?.key ?? "", "/api/v2/budgets");
  assert.deepEqual(alice.data.map((item) => [item.subject, item.id]), [["user", "alice"], ["key", keys.aliceMonthly?.id]]);
  assert.ok(Math.abs((alice.data[0]?.spentUsd ?? 0) - 0.006) < 1e-12);
  const bob = await get<BudgetsBody>(keys.bobTotal?.key ?? "", "/api/v2/budgets");
  assert.deepEqual(bob.data.map((item) => [item.subject, item.id, item.window]), [["user", "bob", "day"], ["key", keys.bobTotal?.id, "total"]]);
  for (const [path, status, code] of [["/api/v2/admin/budgets", 403, "forbidden"], ["/api/v2/budgets?userId=alice", 400, "invalid_request"]] as const) {
    const response = await call(gateway, "GET", path, { token: keys.bobTotal?.key });
    assert.equal(response.status, status);
    assert.equal(((await response.json()) as ErrorBody).error.code, code);
  }
});

test("without budgets.perUser only key budgets are listed, with the default alert thresholds", async () => {
  const plain = await startAuthGateway(mock);
  try {
    const key = await createKey(plain, { name: "daily", userId: "dora", budgetUsd: 5, budgetWindow: "day" });
    await createKey(plain, { name: "no budget", userId: "dora" });
    const response = await call(plain, "GET", "/api/v2/admin/budgets", { token: ADMIN_KEY });
    const body = (await response.json()) as BudgetsBody;
    assert.deepEqual(body.alertAt, [0.8, 1]);
    assert.deepEqual(body.data.map((item) => [item.subject, item.id, item.budgetUsd, item.spentUsd]), [["key", key.id, 5, 0]]);
  } finally {
    await plain.stop();
  }
});
