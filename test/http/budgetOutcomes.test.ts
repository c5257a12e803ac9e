/**
 * Every way a metered request can end settles it exactly once: engine failures release the reservation, a
 * client that leaves mid-stream and an upstream that cuts the stream are charged on estimates, and the session
 * API meters the same way (refusing before anything is stored).
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { parseSse, postJson, readSseUntil } from "../support/readSse.js";
import { jsonOf, type Page, type SessionView } from "../support/apiTypes.js";
import { eventually } from "../support/eventually.js";
import type { UsageList, UsageRow } from "./usageTypes.js";

let mock: MockUpstream;
const gateways: TestGateway[] = [];

before(async () => {
  mock = await startMockUpstream();
});
after(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await mock.close();
});
beforeEach(() => mock.reset());

async function gateway(extra: Record<string, unknown> = {}): Promise<TestGateway> {
  const started = await startGateway({
    // No retries, and a breaker that stays closed: each failure reaches the upstream once.
    engines: [{ ...openAIEngine("vllm", mock.url), retry: { attempts: 0 }, breaker: { minRequests: 100_000 } }],
    pricing: { "vllm/mock-model": { input: 1, output: 4 } },
    // 405 µUSD reserved per "hi" with max_tokens 100: 24 fit.
    budgets: { perUser: { usd: 0.01, window: "month" } },
    rateLimits: { enabled: false },
    ...extra,
  });
  gateways.push(started);
  return started;
}

const chat = (stream: boolean, content = "hi") => ({ model: "vllm/mock-model", max_tokens: 100, stream, messages: [{ role: "user", content }] });
const usageOf = (g: TestGateway, query = "") => jsonOf<UsageList>(fetch(`${g.url}/api/v2/admin/usage?limit=100${query}`));

test("engine failures release the whole reservation: 30 failures never exhaust a budget for 24", async () => {
  const g = await gateway();
  mock.script = () => ({ status: 500 });
  for (let i = 0; i < 30; i++) {
    const response = await postJson(`${g.url}/v1/chat/completions`, chat(i % 2 === 0));
    assert.equal(response.status, 502, `request ${i}`);
  }
  const failed = await usageOf(g, "&status=failed");
  assert.deepEqual([failed.totals.requests, failed.totals.costUsd], [30, 0]);
  assert.ok(failed.data.every((row) => row.errorCode === "upstream_error" && row.engine === null));
  mock.script = () => ({ usage: { prompt_tokens: 5, completion_tokens: 100 } });
  assert.equal((await postJson(`${g.url}/v1/chat/completions`, chat(false))).status, 200);
});

test("a client that leaves mid-stream is charged for what it was sent, estimated", async () => {
  const g = await gateway();
  mock.script = () => ({ chunks: Array.from({ length: 200 }, (_, i) => `word${i} `), chunkDelayMs: 15 });
  const controller = new AbortController();
  const response = await fetch(`${g.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(chat(true)),
    signal: controller.signal,
  });
  const { reader } = await readSseUntil(response, (e) => e.data.includes("word3 "));
  controller.abort();
  await reader.cancel().catch(() => undefined);
  await mock.waitForAborted(1);
  const row = await eventually(async () => (await usageOf(g, "&status=incomplete")).data[0], 5000, "the incomplete row");
  assert.equal(row.errorCode, null, "leaving is not the engine's failure");
  assert.equal(row.estimated, true);
  assert.equal(row.inputTokens, 5);
  assert.ok(row.outputTokens >= 2 && row.outputTokens < 400, `${row.outputTokens} output tokens estimated`);
  assert.ok(Math.abs(row.costUsd - (5 * 1 + row.outputTokens * 4) / 1e6) < 1e-15);
  assert.ok(row.ttftMs !== null && row.latencyMs >= row.ttftMs);
});

test("an upstream that cuts the stream: failed, charged on estimates; a finished stream's usage wins", async () => {
  const g = await gateway();
  mock.script = () => ({ chunks: ["one ", "two ", "three ", "four "], dropAfterChunks: 2 });
  const cut = await postJson(`${g.url}/v1/chat/completions`, chat(true));
  assert.match(parseSse(await cut.text()).at(-1)?.data ?? "", /"error"/);
  mock.script = () => ({ chunks: ["fine"], usage: { prompt_tokens: 7, completion_tokens: 3 } });
  await (await postJson(`${g.url}/v1/chat/completions`, chat(true))).text();
  const rows = (await usageOf(g)).data;
  const failed = rows.find((row) => row.status === "failed") as UsageRow;
  assert.deepEqual([failed.errorCode, failed.estimated, failed.inputTokens, failed.outputTokens], ["upstream_error", true, 5, 2]);
  const complete = rows.find((row) => row.status === "complete") as UsageRow;
  assert.deepEqual([complete.estimated, complete.inputTokens, complete.outputTokens, complete.costUsd], [false, 7, 3, (7 + 12) / 1e6]);
});

test("session chat: metered from the usage part, and a refused turn stores nothing", async () => {
  // Session turns reserve budgets.defaultMaxTokens (here 1000): 4 µUSD + 4000 µUSD per turn, two fit in 0.01.
  const g = await gateway({ budgets: { perUser: { usd: 0.01, window: "day" }, defaultMaxTokens: 1000 } });
  mock.script = () => ({ chunks: ["Hi", "!"], usage: { prompt_tokens: 20, completion_tokens: 900, completion_tokens_details: { reasoning_tokens: 100 } } });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const response = await postJson(`${g.url}/api/v2/chat/stream`, { message: "hello" });
    statuses.push(response.status);
    const text = await response.text();
    if (response.status === 402) assert.equal((JSON.parse(text) as { error: { code: string } }).error.code, "budget_exceeded");
    else assert.equal(parseSse(text).at(-1)?.event, "done");
  }
  // 20 + 3600 µUSD per answered turn: the third would need 4004 on top of 7240.
  assert.deepEqual(statuses, [200, 200, 402, 402]);
  assert.equal(mock.requests[0]?.body.max_tokens, 1000, "a turn with no limit under a budget is capped at what was reserved");
  const sessions = await jsonOf<Page<SessionView>>(fetch(`${g.url}/api/v2/chat/sessions`));
  assert.equal(sessions.data.length, 2, "refused turns created no session");
  const usage = await usageOf(g, "&status=complete");
  assert.equal(usage.totals.requests, 2);
  assert.ok(Math.abs(usage.totals.costUsd - 2 * (20 + 900 * 4) / 1e6) < 1e-12);
  assert.deepEqual([usage.data[0]?.route, usage.data[0]?.reasoningTokens, usage.data[0]?.engine], ["auto", 100, "vllm"]);
});

test("session chat: a client that leaves mid-answer is settled as incomplete", async () => {
  const g = await gateway();
  mock.script = () => ({ chunks: Array.from({ length: 200 }, (_, i) => `w${i} `), chunkDelayMs: 15 });
  const controller = new AbortController();
  const response = await fetch(`${g.url}/api/v2/chat/stream`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message: "tell me a story" }),
    signal: controller.signal,
  });
  const { reader } = await readSseUntil(response, (e) => e.event === "token" && e.data.includes("w2 "));
  controller.abort();
  await reader.cancel().catch(() => undefined);
  const row = await eventually(async () => (await usageOf(g, "&status=incomplete")).data[0], 5000, "the incomplete row");
  assert.deepEqual([row.errorCode, row.estimated, row.engine], [null, true, "vllm"]);
  assert.ok(row.costUsd > 0);
});

test("tokens used are counted against the token rate limit, streamed ones included", async () => {
  const g = await gateway({ rateLimits: { perUser: { chat: { rpm: 0, tpm: 150 } } } });
  mock.script = () => ({ chunks: ["x"], usage: { prompt_tokens: 12, completion_tokens: 100 } });
  const first = await postJson(`${g.url}/v1/chat/completions`, chat(true));
  await first.text();
  const second = await postJson(`${g.url}/v1/chat/completions`, chat(true));
  await second.text();
  const third = await postJson(`${g.url}/v1/chat/completions`, chat(false));
  assert.deepEqual([first.status, second.status, third.status], [200, 200, 429]);
  assert.equal((JSON.parse(await third.text()) as { error: { code: string } }).error.code, "rate_limited");
});
