/**
 * The meter seam on its own: what begin reserves and refuses, what settle records and charges. The ledger
 * writer here is a fake that keeps the rows (it implements the LedgerWriter contract).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Principal } from "../../src/auth/principal.js";
import { createMemoryBudgetCounters } from "../../src/metering/budgetCounters.js";
import { createBudgets, type ThresholdAlert } from "../../src/metering/createBudgets.js";
import { createMeter, type MeterRequest, type TokenGate } from "../../src/metering/createMeter.js";
import type { LedgerWriter } from "../../src/metering/createLedgerWriter.js";
import type { UsageRecord } from "../../src/store/usageLedger.js";
import { GatewayError } from "../../src/errors.js";
import { createLogger } from "../../src/logger.js";

const user: Principal = { kind: "key", userId: "carol", role: "user", keyId: "k-9", budget: { usd: 0.01, window: "total" } };
const pricing = { "cheap/m": { input: 1, output: 2 }, "dear/m": { input: 10, output: 20, reasoning: 40 } };

function setup(tokens?: TokenGate, logger = createLogger("silent")) {
  const rows: UsageRecord[] = [];
  const alerts: ThresholdAlert[] = [];
  const ledger: LedgerWriter = {
    write: (record) => void rows.push(record),
    flush: async () => undefined,
    close: async () => undefined,
    buffered: 0,
    dropped: 0,
  };
  const meter = createMeter({
    pricing,
    defaultMaxTokens: 100,
    budgets: createBudgets({ counters: createMemoryBudgetCounters(), alertAt: [0.8, 1], spentSince: async () => 0 }),
    ledger,
    tokens,
    onAlert: (alert) => alerts.push(alert),
    logger,
    now: () => Date.UTC(2025, 5, 1),
  });
  return { meter, rows, alerts };
}

const request = (overrides: Partial<MeterRequest> = {}): MeterRequest => ({
  principal: user,
  targets: ["cheap/m"],
  messages: [{ role: "user", content: "x".repeat(396) }],
  route: "chat",
  traceId: "t",
  requestId: "r",
  ...overrides,
});

test("the worst case is priced on the dearest target; a request it cannot fit is refused and recorded", async () => {
  const { meter, rows } = setup();
  // 103 prompt tokens (396 chars / 4 + 4) and 100 output: 0.000303 on cheap/m, 0.00503 on dear/m (reasoning rate).
  const tickets = [];
  for (let i = 0; i < 33; i++) tickets.push(await meter.begin(request()));
  await assert.rejects(meter.begin(request()), (error: GatewayError) => error.code === "budget_exceeded");
  for (const ticket of tickets) ticket.settle({ status: "failed", errorCode: "upstream_error", latencyMs: 1 });
  await meter.begin(request({ targets: ["cheap/m", "dear/m"] }));
  await assert.rejects(meter.begin(request({ targets: ["dear/m"], maxTokens: 400 })), (error: GatewayError) => error.code === "budget_exceeded");
  const rejected = rows.filter((row) => row.status === "rejected");
  assert.equal(rejected.length, 2);
  assert.deepEqual(
    { keyId: rejected[0]?.keyId, userId: rejected[0]?.userId, errorCode: rejected[0]?.errorCode, costUsd: rejected[0]?.costUsd, engine: rejected[0]?.engine },
    { keyId: "k-9", userId: "carol", errorCode: "budget_exceeded", costUsd: 0, engine: null },
  );
});

test("settle records the engine's usage at its price, counts the tokens, and only once", async () => {
  const consumed: number[] = [];
  const { meter, rows } = setup({ check: async () => undefined, consume: async (_principal, tokens) => void consumed.push(tokens) });
  const ticket = await meter.begin(request());
  const usage = { inputTokens: 100, cachedInputTokens: 20, outputTokens: 50, reasoningTokens: 10, totalTokens: 150 };
  ticket.settle({ engine: "dear", model: "m", usage, status: "complete", latencyMs: 12.4, ttftMs: 3.6 });
  ticket.settle({ engine: "dear", model: "m", usage, status: "complete", latencyMs: 99 });
  assert.equal(rows.length, 1);
  const row = rows[0] as UsageRecord;
  assert.ok(Math.abs(row.costUsd - (100 * 10 + 40 * 20 + 10 * 40) / 1e6) < 1e-15);
  assert.deepEqual([row.inputTokens, row.cachedInputTokens, row.outputTokens, row.reasoningTokens, row.latencyMs, row.ttftMs, row.estimated], [100, 20, 50, 10, 12, 4, false]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(consumed, [150]);
});

test("a cut stream without usage is charged on estimates; a failure before any output costs nothing", async () => {
  const { meter, rows } = setup();
  (await meter.begin(request())).settle({ engine: "cheap", model: "m", outputBytes: 40, status: "incomplete", latencyMs: 5 });
  (await meter.begin(request())).settle({ engine: "cheap", model: "m", status: "failed", errorCode: "engine_timeout", latencyMs: 5 });
  (await meter.begin(request())).settle({ status: "failed", errorCode: "engine_unavailable", latencyMs: 5 });
  const [cut, timedOut, unavailable] = rows;
  assert.deepEqual([cut?.inputTokens, cut?.outputTokens, cut?.estimated], [103, 10, true]);
  assert.ok(Math.abs((cut?.costUsd ?? 0) - (103 * 1 + 10 * 2) / 1e6) < 1e-15);
  assert.deepEqual([timedOut?.costUsd, timedOut?.errorCode, unavailable?.costUsd, unavailable?.engine], [0, "engine_timeout", 0, null]);
});

test("a model without a price costs 0 and is still recorded", async () => {
  const { meter, rows } = setup();
  (await meter.begin(request({ targets: ["local/default"] }))).settle({
    engine: "local",
    model: "default",
    usage: { inputTokens: 5, outputTokens: 5, totalTokens: 10 },
    status: "complete",
    latencyMs: 1,
  });
  assert.deepEqual([rows[0]?.costUsd, rows[0]?.inputTokens, rows[0]?.status], [0, 5, "complete"]);
});

test("the token limit is checked before the budget and its refusal recorded", async () => {
  const gate: TokenGate = {
    check: async () => {
      throw new GatewayError("rate_limited", "tokens per minute spent", { retryAfterSeconds: 5 });
    },
    consume: async () => undefined,
  };
  const { meter, rows } = setup(gate);
  await assert.rejects(meter.begin(request()), (error: GatewayError) => error.code === "rate_limited");
  assert.deepEqual(rows.map((row) => [row.status, row.errorCode]), [["rejected", "rate_limited"]]);
});

test("a token gate that answers at once: its refusal thrown in begin is recorded, its failure thrown in settle is logged", async () => {
  const lines: string[] = [];
  const gate: TokenGate = {
    check: () => {
      throw new GatewayError("rate_limited", "tokens per minute spent", { retryAfterSeconds: 5 });
    },
    consume: () => {
      throw new Error("counter broke");
    },
  };
  const { meter, rows } = setup(gate, createLogger("error", { destination: { write: (line: string) => void lines.push(line) } }));
  await assert.rejects(meter.begin(request()), (error: GatewayError) => error.code === "rate_limited");
  assert.deepEqual(rows.map((row) => [row.status, row.errorCode]), [["rejected", "rate_limited"]]);

  const passing = setup({ ...gate, check: () => undefined }, createLogger("error", { destination: { write: (line: string) => void lines.push(line) } }));
  const ticket = await passing.meter.begin(request());
  ticket.settle({ engine: "cheap", model: "m", usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 }, status: "complete", latencyMs: 1 });
  assert.equal(passing.rows.length, 1, "the ledger row is still written");
  const logged = lines.map((line) => JSON.parse(line) as { msg: string; err?: { message: string } });
  assert.deepEqual(
    logged.map((line) => [line.msg, line.err?.message]),
    [["counting tokens against the rate limit failed", "counter broke"]],
  );
});

test("alerts reach onAlert as spend crosses the thresholds", async () => {
  const { meter, alerts } = setup();
  for (let i = 0; i < 5; i++) {
    (await meter.begin(request({ maxTokens: 1, messages: [] }))).settle({
      engine: "cheap",
      model: "m",
      usage: { inputTokens: 0, outputTokens: 1000, totalTokens: 1000 },
      status: "complete",
      latencyMs: 1,
    });
  }
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(alerts.map((a) => [a.subject, a.keyId, a.threshold]), [["key", "k-9", 0.8], ["key", "k-9", 1]]);
});

test("a request under a priced budget that sets no limit is given the reserved one; others are left alone", async () => {
  const { meter } = setup();
  assert.equal((await meter.begin(request())).maxTokens, 100, "budgets.defaultMaxTokens");
  assert.equal((await meter.begin(request({ maxTokens: 7 }))).maxTokens, undefined, "the client's own limit stands");
  assert.equal((await meter.begin(request({ targets: ["local/default"] }))).maxTokens, undefined, "nothing to pay");
  const unbudgeted: Principal = { kind: "local", userId: "local", role: "admin" };
  assert.equal((await meter.begin(request({ principal: unbudgeted }))).maxTokens, undefined, "no budget applies");
});

test("estimates count UTF-8 bytes, so text that is several tokens per character is not under-reserved", async () => {
  const { meter, rows } = setup();
  (await meter.begin(request({ messages: [{ role: "user", content: "漢字".repeat(10) }] }))).settle({
    engine: "cheap",
    model: "m",
    outputBytes: 12,
    status: "incomplete",
    latencyMs: 1,
  });
  assert.deepEqual([rows[0]?.inputTokens, rows[0]?.outputTokens], [15 + 4, 3]);
});
