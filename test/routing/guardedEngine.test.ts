/**
 * One engine behind its policies, against the mock upstream: retries, timeouts, breaker, bulkhead.
 * Timeouts and breaker waits are configured short; nothing here sleeps for seconds.
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { engineSchema } from "../../src/config/schema.js";
import { createOpenAIEngine } from "../../src/engines/openai/createOpenAIEngine.js";
import { createGuardedEngine, type GuardedEngine } from "../../src/routing/createGuardedEngine.js";
import { collectStream } from "../../src/engines/collectStream.js";
import { callParts } from "../../src/routing/engineCall.js";
import { GatewayError } from "../../src/errors.js";
import type { Engine } from "../../src/engines/spec.js";
import type { OpenAIEngineConfig } from "../../src/config/schema.js";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";

let mock: MockUpstream;
const open: GuardedEngine[] = [];

before(async () => {
  mock = await startMockUpstream();
});
after(async () => {
  await Promise.all(open.map((g) => g.close()));
  await mock.close();
});
beforeEach(() => mock.reset());

function guarded(overrides: Record<string, unknown> = {}): GuardedEngine {
  const config = engineSchema.parse({
    name: "up",
    type: "openai",
    baseUrl: mock.url,
    models: ["mock-model"],
    retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 200 },
    timeouts: { ttftMs: 2000, totalMs: 5000 },
    ...overrides,
  });
  const engine = createGuardedEngine(createOpenAIEngine(config as OpenAIEngineConfig), config);
  open.push(engine);
  return engine;
}

const request = { model: "mock-model", messages: [{ role: "user" as const, content: "hi" }] };
const signal = () => new AbortController().signal;

test("a 503 is retried with backoff and the retry's answer is served", async () => {
  let n = 0;
  mock.script = () => (++n === 1 ? { status: 503 } : { text: "second time lucky" });
  const opened = await guarded().open(request, { signal: signal() });
  assert.equal(opened.attempts, 2);
  assert.equal((await collectStream(callParts(opened))).text, "second time lucky");
  assert.equal(mock.requests.length, 2);
});

test("429 with Retry-After is honoured; a Retry-After beyond the ceiling moves on instead of waiting", async () => {
  let n = 0;
  mock.script = () => (++n === 1 ? { status: 429, retryAfterMs: "120" } : { text: "ok" });
  const started = performance.now();
  const opened = await guarded().open(request, { signal: signal() });
  assert.ok(performance.now() - started >= 115, "waited for retry-after-ms");
  assert.equal((await collectStream(callParts(opened))).text, "ok");

  mock.reset();
  mock.script = () => ({ status: 429, retryAfter: "30" });
  await assert.rejects(guarded().open(request, { signal: signal() }), (e: GatewayError) => e.code === "engine_overloaded");
  assert.equal(mock.requests.length, 1, "no retry when the upstream asks for longer than maxDelayMs");
});

test("client errors are not retried", async () => {
  mock.script = () => ({ status: 400, errorMessage: "bad" });
  await assert.rejects(guarded().open(request, { signal: signal() }), (e: GatewayError) => e.code === "invalid_request");
  assert.equal(mock.requests.length, 1);
});

test("connection refused is retried, then reported as engine_unavailable", async () => {
  const dead = guarded({ baseUrl: "http://127.0.0.1:1/v1" });
  await assert.rejects(dead.open(request, { signal: signal() }), (e: GatewayError) => e.code === "engine_unavailable");
});

test("time to first token: a hang is cut at ttftMs, retries included", async () => {
  mock.script = () => ({ hang: true });
  const started = performance.now();
  await assert.rejects(
    guarded({ timeouts: { ttftMs: 150, totalMs: 5000 } }).open(request, { signal: signal() }),
    (e: GatewayError) => e.code === "engine_timeout" && /first token/.test(e.message),
  );
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 140 && elapsed < 1000, `gave up after ${Math.round(elapsed)} ms`);
  await mock.waitForAborted(1);
});

test("total timeout: a stream still running at totalMs ends with engine_timeout", async () => {
  mock.script = () => ({ chunks: Array.from({ length: 50 }, (_, i) => `w${i} `), chunkDelayMs: 20 });
  const opened = await guarded({ timeouts: { ttftMs: 1000, totalMs: 250 } }).open(request, { signal: signal() });
  await assert.rejects(collectStream(callParts(opened)), (e: GatewayError) => e.code === "engine_timeout" && /finish within 250 ms/.test(e.message));
  await mock.waitForAborted(1);
});

test("one timer for both limits: a stream that outlives ttftMs after its first token runs on until totalMs", async () => {
  mock.script = () => ({ chunks: Array.from({ length: 40 }, (_, i) => `w${i} `), chunkDelayMs: 25 });
  const started = performance.now();
  const opened = await guarded({ timeouts: { ttftMs: 100, totalMs: 400 } }).open(request, { signal: signal() });
  await assert.rejects(collectStream(callParts(opened)), (e: GatewayError) => e.code === "engine_timeout" && /finish within 400 ms/.test(e.message));
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 380 && elapsed < 1500, `cut after ${Math.round(elapsed)} ms, not at the TTFT limit`);
  await mock.waitForAborted(1);
});

test("a slow reader of a long stream gets every part in order (the upstream read pauses and resumes)", async () => {
  const words = Array.from({ length: 2000 }, (_, i) => `w${i} `);
  mock.script = () => ({ chunks: words });
  const opened = await guarded().open(request, { signal: signal() });
  let text = "";
  let read = 0;
  for await (const part of callParts(opened)) {
    if (part.type === "text-delta") text += part.text;
    // Every so often the reader falls behind by a whole upstream read, long enough for the engine to pause.
    if (++read % 300 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(text, words.join(""));
});

test("a whole answer (upstreamStreaming client, collected) is bounded by totalMs only, and reports no TTFT", async () => {
  mock.script = () => ({ text: "slow but whole", headersDelayMs: 300 });
  const engine = guarded({ upstreamStreaming: "client", timeouts: { ttftMs: 100, totalMs: 3000 } });
  const whole = await engine.open(request, { signal: signal(), coalesce: true });
  assert.equal(whole.ttftMs, undefined);
  assert.equal((await collectStream(callParts(whole))).text, "slow but whole");
  assert.equal(engine.state().ewmaTtftMs, null, "a whole answer's wait is not a first-token time");
  // The same engine streaming to a client still holds the first token to ttftMs.
  await assert.rejects(engine.open(request, { signal: signal() }), (e: GatewayError) => e.code === "engine_timeout" && /first token/.test(e.message));

  mock.reset();
  mock.script = () => ({ hang: true });
  const started = performance.now();
  await assert.rejects(
    guarded({ upstreamStreaming: "client", retry: { attempts: 0 }, timeouts: { ttftMs: 50, totalMs: 250 } }).open(request, { signal: signal(), coalesce: true }),
    (e: GatewayError) => e.code === "engine_timeout" && /finish within 250 ms/.test(e.message),
  );
  assert.ok(performance.now() - started >= 240, "the ttft limit did not cut it");
  await mock.waitForAborted(1);
});

test("the breaker opens at the failure ratio, keeps requests away while open, and recovers after the wait", async () => {
  let healthy = false;
  mock.script = () => (healthy ? { text: "recovered" } : { status: 500 });
  const engine = guarded({
    retry: { attempts: 0, baseDelayMs: 5, maxDelayMs: 10 },
    breaker: { failureRatio: 0.5, minRequests: 4, windowMs: 10000, halfOpenAfterMs: 300 },
  });
  for (let i = 0; i < 4; i++) {
    await assert.rejects(engine.open(request, { signal: signal() }), (e: GatewayError) => e.code === "upstream_error");
  }
  assert.equal(engine.state().breaker, "open");
  const seen = mock.requests.length;
  for (let i = 0; i < 5; i++) {
    await assert.rejects(engine.open(request, { signal: signal() }), (e: GatewayError) => e.code === "engine_unavailable" && /circuit open/.test(e.message));
  }
  assert.equal(mock.requests.length, seen, "no request reached the failing engine while open");

  healthy = true;
  await new Promise((resolve) => setTimeout(resolve, 350));
  const opened = await engine.open(request, { signal: signal() });
  assert.equal((await collectStream(callParts(opened))).text, "recovered");
  assert.equal(engine.state().breaker, "closed");
});

test("bulkhead: never more than maxConcurrency upstream; beyond the queue, engine_overloaded", async () => {
  mock.script = () => ({ chunks: ["a", "b", "c"], chunkDelayMs: 30 });
  const engine = guarded({ maxConcurrency: 2, maxQueue: 3 });
  const results = await Promise.allSettled(
    Array.from({ length: 8 }, async () => collectStream(callParts(await engine.open(request, { signal: signal() })))),
  );
  const fulfilled = results.filter((r) => r.status === "fulfilled");
  assert.equal(fulfilled.length, 5);
  const rejected = results.filter((r) => r.status === "rejected");
  assert.equal(rejected.length, 3, "8 requests, 2 running + 3 queued: 3 rejected");
  for (const r of rejected) assert.equal((r.reason as GatewayError).code, "engine_overloaded");
  assert.ok(mock.maxInFlight <= 2, `upstream saw ${mock.maxInFlight} at once`);
  assert.deepEqual(engine.state().inFlight, 0);
});

test("a route's timeouts override the engine's", async () => {
  mock.script = () => ({ hang: true });
  const started = performance.now();
  await assert.rejects(
    guarded({ timeouts: { ttftMs: 5000, totalMs: 9000 } }).open(request, { signal: signal(), timeouts: { ttftMs: 120 } }),
    (e: GatewayError) => e.code === "engine_timeout" && /120 ms/.test(e.message),
  );
  assert.ok(performance.now() - started < 1000);
});

test("nothing is retried once output started: a cut after the first part is reported, not replayed", async () => {
  mock.script = () => ({ chunks: ["one ", "two ", "three"], dropAfterChunks: 1 });
  const opened = await guarded().open(request, { signal: signal() });
  await assert.rejects(collectStream(callParts(opened)), (e: GatewayError) => e.code === "upstream_error");
  assert.equal(mock.requests.length, 1);
});

test("a client abort while queued or streaming ends the call without counting against the breaker", async () => {
  mock.script = () => ({ chunks: Array.from({ length: 40 }, (_, i) => `w${i} `), chunkDelayMs: 10 });
  const engine = guarded({ breaker: { failureRatio: 0.5, minRequests: 1, windowMs: 10000, halfOpenAfterMs: 10000 } });
  for (let i = 0; i < 3; i++) {
    const controller = new AbortController();
    const opened = await engine.open(request, { signal: controller.signal });
    controller.abort();
    await assert.rejects(collectStream(callParts(opened)), (e: Error) => e.name === "AbortError");
  }
  assert.equal(engine.state().breaker, "closed");
  assert.equal(engine.state().inFlight, 0);
});

test("an engine that ignores its signal is still cut at ttftMs, and its slot comes back when it finally answers", async () => {
  let answer: (() => void) | undefined;
  const stubborn: Engine = {
    name: "stubborn",
    type: "openai",
    models: ["mock-model"],
    status: () => ({ usable: true, inFlight: 0, queued: 0 }),
    close: async () => {},
    async *stream() {
      // Deaf to the signal, like a native call that cannot be interrupted.
      await new Promise<void>((resolve) => (answer = resolve));
      yield { type: "text-delta", text: "late" };
    },
  };
  const config = engineSchema.parse({
    name: "stubborn",
    type: "openai",
    baseUrl: mock.url,
    models: ["mock-model"],
    maxConcurrency: 1,
    maxQueue: 0,
    timeouts: { ttftMs: 100, totalMs: 5000 },
  });
  const engine = createGuardedEngine(stubborn, config);
  const started = performance.now();
  await assert.rejects(engine.open(request, { signal: signal() }), (e: GatewayError) => e.code === "engine_timeout" && /first token/.test(e.message));
  assert.ok(performance.now() - started < 1000);
  assert.equal(engine.state().inFlight, 1, "the abandoned call still holds its slot while it runs");
  answer?.();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(engine.state().inFlight, 0, "the late answer is dropped and the slot released");
});
