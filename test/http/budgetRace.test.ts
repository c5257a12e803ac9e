/**
 * The acceptance test for budgets: 200 concurrent chat requests (half streamed) against a per-user budget that
 * fits 10. At most 10 get an answer, the rest 402 budget_exceeded, and the ledger's cost equals the cost of the
 * upstream's reported usage (cached and reasoning tokens at their own prices), streamed requests included.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream, type MockUsage } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { parseSse, postJson } from "../support/readSse.js";
import { jsonOf } from "../support/apiTypes.js";
import type { UsageList } from "./usageTypes.js";

const price = { input: 1, cachedInput: 0.5, output: 4, reasoning: 8 };
const usage: MockUsage = {
  prompt_tokens: 12,
  completion_tokens: 100,
  prompt_tokens_details: { cached_tokens: 4 },
  completion_tokens_details: { reasoning_tokens: 90 },
};
// Computed here from the upstream's usage, independently of the gateway's code: (12 − 4)·1 + 4·0.5 + (100 − 90)·4 + 90·8.
const costPerRequest = (8 * 1 + 4 * 0.5 + 10 * 4 + 90 * 8) / 1e6;
// The gateway reserves the worst case first: "hi" is 1 + 4 prompt tokens at the input price, max_tokens 100 at the
// dearer of output and reasoning: 5·1 + 100·8 = 805 µUSD. Ten reservations fit; after ten settle (770 µUSD
// each) 351 µUSD are left, less than an eleventh reservation.
const worstCase = (5 * 1 + 100 * 8) / 1e6;
const budgetUsd = 10 * worstCase + 1e-6;

let mock: MockUpstream;
const gateways: TestGateway[] = [];

before(async () => {
  mock = await startMockUpstream();
});
after(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await mock.close();
});

async function gateway(): Promise<TestGateway> {
  const started = await startGateway({
    engines: [openAIEngine("vllm", mock.url)],
    pricing: { "vllm/mock-model": price },
    budgets: { perUser: { usd: budgetUsd, window: "day" } },
    // Budgets alone decide here.
    rateLimits: { enabled: false },
  });
  gateways.push(started);
  return started;
}

const body = (stream: boolean) => ({
  model: "vllm/mock-model",
  max_tokens: 100,
  stream,
  messages: [{ role: "user", content: "hi" }],
});

test("200 concurrent requests, half streamed, against a budget for 10: 10 succeed, 190 get 402, the ledger adds up", async () => {
  const g = await gateway();
  mock.reset();
  // Admitted requests wait at the upstream until every refusal is in: all ten reservations are held at once.
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const safety = setTimeout(release, 15_000);
  mock.script = () => ({ chunks: ["Hello", " there"], usage, holdUntil: held });
  let refused = 0;
  const results = await Promise.all(
    Array.from({ length: 200 }, async (_, i) => {
      const streamed = i % 2 === 0;
      const response = await postJson(`${g.url}/v1/chat/completions`, body(streamed));
      if (response.status === 402 && ++refused === 190) release();
      return { streamed, status: response.status, traceId: response.headers.get("x-trace-id") ?? "", text: await response.text() };
    }),
  );
  clearTimeout(safety);

  const succeeded = results.filter((r) => r.status === 200);
  const rejected = results.filter((r) => r.status !== 200);
  assert.ok(succeeded.length <= 10, `${succeeded.length} requests got past a budget that fits 10`);
  assert.equal(succeeded.length, 10, "every reservation that fits is granted");
  assert.equal(mock.requests.length, 10, "refused requests never reach the upstream");
  for (const r of rejected) {
    assert.equal(r.status, 402);
    assert.equal((JSON.parse(r.text) as { error: { code: string } }).error.code, "budget_exceeded");
  }
  for (const r of succeeded) {
    if (r.streamed) assert.equal(parseSse(r.text).at(-1)?.data, "[DONE]");
    else assert.deepEqual((JSON.parse(r.text) as { usage: MockUsage & { total_tokens: number } }).usage, { ...usage, total_tokens: 112 });
  }

  const complete = await jsonOf<UsageList>(fetch(`${g.url}/api/v2/admin/usage?status=complete&limit=100`));
  assert.equal(complete.totals.requests, 10);
  assert.ok(Math.abs(complete.totals.costUsd - 10 * costPerRequest) < 1e-12, `ledger ${complete.totals.costUsd} ≠ ${10 * costPerRequest}`);
  assert.deepEqual(complete.data.map((row) => row.traceId).sort(), succeeded.map((r) => r.traceId).sort());
  for (const row of complete.data) {
    assert.deepEqual(
      [row.inputTokens, row.cachedInputTokens, row.outputTokens, row.reasoningTokens, row.estimated, row.engine, row.model],
      [12, 4, 100, 90, false, "vllm", "mock-model"],
    );
    assert.ok(Math.abs(row.costUsd - costPerRequest) < 1e-15);
  }
  const refusedRows = await jsonOf<UsageList>(fetch(`${g.url}/api/v2/admin/usage?status=rejected&limit=1`));
  assert.deepEqual([refusedRows.totals.requests, refusedRows.totals.costUsd, refusedRows.data[0]?.errorCode], [190, 0, "budget_exceeded"]);
});

test("streamed requests are counted even when the client does not ask for usage", async () => {
  const g = await gateway();
  mock.reset();
  mock.script = () => ({ chunks: ["a", "b", "c"], usage });
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) {
    const response = await postJson(`${g.url}/v1/chat/completions`, body(true));
    statuses.push(response.status);
    const events = parseSse(await response.text());
    if (response.status === 200) assert.ok(!events.some((e) => e.data.includes('"usage"')), "no usage chunk was asked for");
  }
  assert.deepEqual(statuses, [...Array<number>(10).fill(200), 402, 402]);
  const listed = await jsonOf<UsageList>(fetch(`${g.url}/api/v2/admin/usage?status=complete`));
  assert.equal(listed.totals.requests, 10);
  assert.ok(Math.abs(listed.totals.costUsd - 10 * costPerRequest) < 1e-12);
  assert.equal(listed.totals.outputTokens, 1000);
});
