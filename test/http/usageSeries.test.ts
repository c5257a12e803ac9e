/**
 * The usage series over real HTTP: requests made through the gateway (successes at several latencies, an engine
 * failure, a budget refusal) come back per hour and per day, summed, counted and ranked as the ledger listing
 * says they should; users see only their own series; windows are checked.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import type { TestGateway } from "../support/startGateway.js";
import type { ErrorBody } from "../support/apiTypes.js";
import { ADMIN_KEY, call, chatBody, createKey, startAuthGateway, type KeyCreated } from "../auth/authGateway.js";
import type { UsageList, UsageRow } from "./usageTypes.js";
import { nearestRank, type SeriesBody } from "./seriesTypes.js";

const HOUR = 3_600_000;
let mock: MockUpstream;
let gateway: TestGateway;
let alice: KeyCreated;
let bob: KeyCreated;
let capped: KeyCreated;
let failNext = false;
let delayMs = 0;
let rows: UsageRow[] = [];

const get = async <T>(token: string, path: string): Promise<T> => {
  const response = await call(gateway, "GET", path, { token });
  assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
  return (await response.json()) as T;
};
const refused = async (token: string, path: string, status: number, code: string) => {
  const response = await call(gateway, "GET", path, { token });
  assert.equal(response.status, status, `${path}: ${await response.clone().text()}`);
  assert.equal(((await response.json()) as ErrorBody).error.code, code, path);
};
const ask = async (key: KeyCreated, stream: boolean) => {
  const response = await call(gateway, "POST", "/v1/chat/completions", { token: key.key, body: { ...chatBody(), stream, max_tokens: 10 } });
  await response.arrayBuffer();
  return response.status;
};

before(async () => {
  mock = await startMockUpstream();
  mock.script = () => (failNext ? { status: 400, errorMessage: "bad request upstream" } : { chunks: ["ok"], headersDelayMs: delayMs, usage: { prompt_tokens: 10, completion_tokens: 4 } });
  gateway = await startAuthGateway(mock, { pricing: { "vllm/mock-model": { input: 100, output: 100 } } });
  alice = await createKey(gateway, { name: "alice", userId: "alice" });
  bob = await createKey(gateway, { name: "bob", userId: "bob" });
  // Reserves more than its budget on the first request: refused, and recorded as rejected.
  capped = await createKey(gateway, { name: "capped", userId: "carol", budgetUsd: 0.000001, budgetWindow: "total" });
  for (const [i, ms] of [0, 30, 60, 90, 120].entries()) {
    delayMs = ms;
    assert.equal(await ask(alice, i % 2 === 0), 200);
  }
  delayMs = 0;
  for (let i = 0; i < 2; i++) assert.equal(await ask(bob, true), 200);
  failNext = true;
  assert.notEqual(await ask(bob, false), 200);
  failNext = false;
  assert.equal(await ask(capped, false), 402);
  rows = (await get<UsageList>(ADMIN_KEY, "/api/v2/admin/usage?limit=100")).data;
  assert.equal(rows.length, 9);
});
after(async () => {
  await gateway?.stop();
  await mock?.close();
});

/** What each point should say, from the ledger rows that fall in its bucket. */
function expectedPoint(start: number, bucketMs: number, of: readonly UsageRow[]) {
  const inside = of.filter((row) => Date.parse(row.createdAt) >= start && Date.parse(row.createdAt) < start + bucketMs);
  return {
    start: new Date(start).toISOString(),
    requests: inside.length,
    errors: inside.filter((row) => row.status === "failed" || row.status === "rejected").length,
    inputTokens: inside.reduce((sum, row) => sum + row.inputTokens, 0),
    outputTokens: inside.reduce((sum, row) => sum + row.outputTokens, 0),
    costUsd: inside.reduce((sum, row) => sum + row.costUsd, 0),
    latencyMs: nearestRank(inside.filter((row) => row.status !== "rejected").map((row) => row.latencyMs)),
    ttftMs: nearestRank(inside.flatMap((row) => (row.ttftMs === null ? [] : [row.ttftMs]))),
  };
}

function assertPoints(body: SeriesBody, bucketMs: number, of: readonly UsageRow[]) {
  const [only] = body.series;
  assert.ok(only, "one series");
  for (const point of only.points) {
    const want = expectedPoint(Date.parse(point.start), bucketMs, of);
    assert.ok(Math.abs(point.costUsd - want.costUsd) < 1e-12, `cost at ${point.start}`);
    assert.deepEqual({ ...point, costUsd: want.costUsd }, want);
  }
}

test("hourly by default: the last 24 hours, dense, and every point agrees with the ledger", async () => {
  const body = await get<SeriesBody>(ADMIN_KEY, "/api/v2/admin/usage/series");
  assert.deepEqual([body.bucket, body.groupBy, body.omittedGroups, body.series.length], ["hour", "none", 0, 1]);
  const points = body.series[0]?.points ?? [];
  assert.equal(points.length, 24);
  assert.equal(Date.parse(body.to) % HOUR, 0);
  assert.equal(Date.parse(body.to) - Date.parse(body.from), 24 * HOUR);
  assert.ok(Date.parse(body.to) > Date.now() - 1000, "the current hour is the last point");
  assert.deepEqual(points.map((point) => Date.parse(point.start)), Array.from({ length: 24 }, (_, i) => Date.parse(body.from) + i * HOUR));
  assert.equal(points.reduce((sum, point) => sum + point.requests, 0), 9);
  assert.equal(points.reduce((sum, point) => sum + point.errors, 0), 2, "the failure and the refusal");
  assertPoints(body, HOUR, rows);
  // The five delays of alice's requests spread her latencies: the ranks are not all one value.
  const aliceRanks = nearestRank(rows.filter((row) => row.userId === "alice").map((row) => row.latencyMs));
  assert.ok(aliceRanks !== null && aliceRanks.p99 - aliceRanks.p50 >= 30, JSON.stringify(aliceRanks));
});

test("daily buckets over an explicit window, rounded to whole days; filters narrow every point", async () => {
  const today = new Date(Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR);
  const from = new Date(today.getTime() - 2 * 24 * HOUR + 5 * HOUR).toISOString();
  const body = await get<SeriesBody>(ADMIN_KEY, `/api/v2/admin/usage/series?bucket=day&from=${from}&to=${new Date(Date.now() + 1000).toISOString()}`);
  assert.equal(body.from, new Date(today.getTime() - 2 * 24 * HOUR).toISOString(), "from rounded down to its day");
  assert.equal(body.series[0]?.points.length, 3);
  assertPoints(body, 24 * HOUR, rows);

  const onlyFailed = await get<SeriesBody>(ADMIN_KEY, "/api/v2/admin/usage/series?status=failed");
  assert.equal(onlyFailed.series[0]?.points.reduce((sum, point) => sum + point.requests, 0), 1);
  const aliceKey = await get<SeriesBody>(ADMIN_KEY, `/api/v2/admin/usage/series?keyId=${alice.id}&route=vllm/mock-model&engine=vllm&model=mock-model`);
  assertPoints(aliceKey, HOUR, rows.filter((row) => row.keyId === alice.id));
  assert.equal(aliceKey.series[0]?.points.reduce((sum, point) => sum + point.requests, 0), 5);
});

test("grouped by user: one series per user, busiest first, each matching that user's rows", async () => {
  const body = await get<SeriesBody>(ADMIN_KEY, "/api/v2/admin/usage/series?groupBy=user");
  assert.deepEqual(body.series.map((s) => [s.group, s.points.reduce((sum, point) => sum + point.requests, 0)]), [["alice", 5], ["bob", 3], ["carol", 1]]);
  for (const series of body.series) assertPoints({ ...body, series: [series] }, HOUR, rows.filter((row) => row.userId === series.group));
  const top = await get<SeriesBody>(ADMIN_KEY, "/api/v2/admin/usage/series?groupBy=user&limit=2");
  assert.deepEqual([top.series.map((s) => s.group), top.omittedGroups], [["alice", "bob"], 1]);
  const byEngine = await get<SeriesBody>(ADMIN_KEY, "/api/v2/admin/usage/series?groupBy=engine");
  assert.deepEqual(byEngine.series.map((s) => s.group), ["vllm", null], "the refused request reached no engine");
});

test("GET /api/v2/usage/series: the caller's own requests only", async () => {
  const mine = await get<SeriesBody>(bob.key, "/api/v2/usage/series");
  assert.equal(mine.series[0]?.points.reduce((sum, point) => sum + point.requests, 0), 3);
  assertPoints(mine, HOUR, rows.filter((row) => row.userId === "bob"));
  const byKey = await get<SeriesBody>(alice.key, "/api/v2/usage/series?groupBy=key&bucket=day");
  assert.deepEqual(byKey.series.map((s) => s.group), [alice.id]);
  await refused(bob.key, "/api/v2/usage/series?groupBy=user", 400, "invalid_request");
  await refused(bob.key, "/api/v2/usage/series?userId=alice", 400, "invalid_request");
  await refused(bob.key, "/api/v2/admin/usage/series", 403, "forbidden");
});

test("bad windows are the client's error", async () => {
  for (const query of [
    "from=2025-02-01&to=2025-01-01",
    "from=2999-01-01",
    "from=2020-01-01&to=2025-01-01",
    "bucket=day&from=2000-01-01&to=2025-01-01",
    "bucket=week",
    "groupBy=team",
    "from=yesterday",
    "limit=0",
    "cursor=x",
  ]) {
    await refused(ADMIN_KEY, `/api/v2/admin/usage/series?${query}`, 400, "invalid_request");
  }
  const response = await call(gateway, "GET", "/api/v2/admin/usage/series?from=2020-01-01&to=2025-01-01", { token: ADMIN_KEY });
  const body = (await response.json()) as ErrorBody;
  assert.match(body.error.message, /43848 hours; at most 2000/);
  assert.equal(body.error.param, "from");
  const edge = await get<SeriesBody>(ADMIN_KEY, "/api/v2/admin/usage/series?bucket=day&from=2020-01-01&to=2025-06-23");
  assert.equal(edge.series[0]?.points.length, 2000, "exactly 2000 buckets fit");
});
