/**
 * GET /metrics end to end: real gateways over the mock upstream. Chat traffic (streamed, non-streamed, failing)
 * shows up in the counters with the right labels; the endpoint's token and allowlist protection hold.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { startGateway, type TestGateway } from "../support/startGateway.js";
import { parseSse, postJson } from "../support/readSse.js";
import { eventually } from "../support/eventually.js";
import { configSchema } from "../../src/config/schema.js";
import { secretsOf } from "../../src/observability/createScrubber.js";
import { tmpdir } from "node:os";
import { join } from "node:path";

const token = "metrics-token-0123456789abcdef";
const policy = {
  timeouts: { ttftMs: 2000, totalMs: 5000 },
  retry: { attempts: 1, baseDelayMs: 5, maxDelayMs: 50 },
};

let upstream: MockUpstream;
let failing: MockUpstream;
let gateway: TestGateway;
let guarded: TestGateway;

before(async () => {
  upstream = await startMockUpstream();
  upstream.script = () => ({
    text: "hello there",
    usage: { prompt_tokens: 5, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 2 }, completion_tokens_details: { reasoning_tokens: 3 } },
  });
  failing = await startMockUpstream();
  failing.script = () => ({ status: 500, errorMessage: "boom" });
  gateway = await startGateway({
    engines: [
      { name: "good", type: "openai", baseUrl: upstream.url, models: ["m"], ...policy },
      { name: "bad", type: "openai", baseUrl: failing.url, models: ["m"], ...policy },
    ],
  });
  guarded = await startGateway({
    engines: [{ name: "good", type: "openai", baseUrl: upstream.url, models: ["m"], ...policy }],
    metrics: { token },
  });
});

after(async () => {
  await gateway?.stop();
  await guarded?.stop();
  await upstream?.close();
  await failing?.close();
});

/** The value of the sample `name` whose labels include `labels` (any label order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]] as const));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

const scrape = async (gw: TestGateway, headers: Record<string, string> = {}) => fetch(`${gw.url}/metrics`, { headers });

test("chat traffic is counted with engine, model, status and token labels", async () => {
  const streamed = await postJson(`${gateway.url}/v1/chat/completions`, { model: "good/m", stream: true, messages: [{ role: "user", content: "hi" }] });
  assert.equal(streamed.status, 200);
  assert.equal(parseSse(await streamed.text()).at(-1)?.data, "[DONE]");
  const plain = await postJson(`${gateway.url}/v1/chat/completions`, { model: "good/m", messages: [{ role: "user", content: "hi" }] });
  assert.equal(plain.status, 200);
  await plain.json();
  const failed = await postJson(`${gateway.url}/v1/chat/completions`, { model: "bad/m", messages: [{ role: "user", content: "hi" }] });
  assert.ok(failed.status >= 500, `the failing upstream answers 5xx, got ${failed.status}`);
  await failed.text();

  const text = await eventually(async () => {
    const response = await scrape(gateway);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /text\/plain/);
    const body = await response.text();
    // The streamed response's duration is observed when its raw response finishes, just after the client saw [DONE].
    const done =
      sample(body, "chat_stream_completed_total") === 2 &&
      sample(body, "http_request_duration_seconds_count", { route: "/v1/chat/completions", method: "POST", status: "200" }) === 2;
    return done ? body : undefined;
  }, 5000, "the chat metrics to settle");

  assert.equal(sample(text, "chat_stream_started_total"), 3);
  assert.equal(sample(text, "chat_stream_completed_total"), 2);
  assert.equal(sample(text, "chat_stream_errors_total", { engine: "bad", error: "upstream_error" }), 1);
  assert.equal(sample(text, "chat_stream_duration_seconds_count"), 3);
  assert.equal(sample(text, "chat_streams_concurrent"), 0);
  assert.equal(sample(text, "chat_tokens", { type: "input" }), 10);
  assert.equal(sample(text, "chat_tokens", { type: "output" }), 14);
  assert.equal(sample(text, "chat_tokens", { type: "cached" }), 4);
  assert.equal(sample(text, "chat_tokens", { type: "reasoning" }), 6);

  assert.equal(sample(text, "llm_engine_requests_total", { engine: "good", model: "m", status: "ok" }), 2);
  assert.equal(sample(text, "llm_engine_requests_total", { engine: "bad", model: "m", status: "upstream_error" }), 1);
  assert.equal(sample(text, "llm_engine_latency_seconds_count", { engine: "good", model: "m" }), 2);
  assert.equal(sample(text, "llm_engine_latency_seconds_count", { engine: "bad", model: "m" }), 1);
  assert.equal(sample(text, "llm_engine_ttft_seconds_count", { engine: "good", model: "m" }), 2);
  assert.equal(sample(text, "llm_engine_ttft_seconds_count", { engine: "bad", model: "m" }), undefined, "no first token, no TTFT");

  assert.equal(sample(text, "circuit_breaker_state", { engine: "good" }), 0);
  assert.equal(sample(text, "circuit_breaker_state", { engine: "bad" }), 0);
  assert.equal(sample(text, "rate_limited_total"), 0);
  assert.equal(sample(text, "budget_rejections_total"), 0);

  assert.equal(sample(text, "http_request_duration_seconds_count", { route: "/v1/chat/completions", method: "POST", status: "200" }), 2);
  assert.ok((sample(text, "http_request_duration_seconds_count", { route: "/v1/chat/completions", method: "POST" }) ?? 0) >= 1);
  assert.ok(!/route="\/v1\/chat\/completions\?/.test(text), "routes are patterns, never raw URLs");
  assert.ok(sample(text, "process_cpu_user_seconds_total") !== undefined, "default process metrics are collected");
});

test("each gateway has its own registry", async () => {
  const body = await (await scrape(guarded, { authorization: `Bearer ${token}` })).text();
  assert.equal(sample(body, "chat_stream_started_total"), 0);
  assert.equal(sample(body, "circuit_breaker_state", { engine: "bad" }), undefined);
});

test("metrics.token: 401 without or with a wrong bearer token, 200 with it", async () => {
  const missing = await scrape(guarded);
  assert.equal(missing.status, 401);
  await missing.text();
  const wrong = await scrape(guarded, { authorization: "Bearer not-the-metrics-token-at-all" });
  assert.equal(wrong.status, 401);
  await wrong.text();
  const right = await scrape(guarded, { authorization: `Bearer ${token}` });
  assert.equal(right.status, 200);
  assert.match(await right.text(), /# TYPE chat_stream_started_total counter/);
});

test("metrics.allowlist: 403 outside it, 200 inside", async () => {
  const outside = await startGateway({ metrics: { allowlist: ["10.0.0.0/8"] } });
  const inside = await startGateway({ metrics: { allowlist: ["127.0.0.0/8", "::1/128"] } });
  try {
    const refused = await scrape(outside);
    assert.equal(refused.status, 403);
    await refused.text();
    const allowed = await scrape(inside);
    assert.equal(allowed.status, 200);
    await allowed.text();
  } finally {
    await outside.stop();
    await inside.stop();
  }
});

test("metrics config: a short token is refused, and the token is a secret the logs scrub", () => {
  assert.throws(() => configSchema.parse({ metrics: { token: "short" } }));
  assert.throws(() => configSchema.parse({ metrics: { other: true } }));
  const config = configSchema.parse({ metrics: { token } });
  assert.ok(secretsOf(config).includes(token));
  assert.deepEqual(configSchema.parse({}).metrics, { enabled: true });
});

test("gateway overhead, store queries and pool, cost and budget alerts move with the requests that should move them", async () => {
  // Pricing makes a request cost money; a per-user budget of $10 crosses its 0.1% alert on the first request.
  const priced = await startGateway({
    engines: [{ name: "good", type: "openai", baseUrl: upstream.url, models: ["m"], ...policy }],
    pricing: { "good/m": { input: 1000, output: 1000 } },
    budgets: { perUser: { usd: 10, window: "day" }, alertAt: [0.001] },
    store: { url: `sqlite:${join(tmpdir(), `switchyard-metrics-${process.pid}.db`)}`, slowQueryMs: 1 },
  });
  try {
    const before = await (await scrape(priced)).text();
    assert.equal(sample(before, "gateway_overhead_seconds_count", { api: "openai" }), undefined);
    const plain = await postJson(`${priced.url}/v1/chat/completions`, { model: "good/m", messages: [{ role: "user", content: "hi" }] });
    assert.equal(plain.status, 200);
    await plain.json();
    const text = await eventually(async () => {
      const body = await (await scrape(priced)).text();
      return sample(body, "budget_threshold_alerts_total", { subject: "user", threshold: "0.001" }) === 1 ? body : undefined;
    }, 5000, "the budget alert");
    assert.equal(sample(text, "gateway_overhead_seconds_count", { api: "openai" }), 1);
    // 5 input and 7 output tokens at $1000 per million each: $0.012.
    assert.ok(Math.abs((sample(text, "usage_cost_usd_total", { engine: "good", model: "m" }) ?? 0) - 0.012) < 1e-9);
    assert.ok((sample(text, "store_query_duration_seconds_count", { operation: "select" }) ?? 0) > 0, "store queries are timed");
    assert.equal(sample(text, "store_pool_connections", { state: "max" }), 1, "SQLite: one connection");
    assert.equal(sample(text, "store_pool_connections", { state: "waiting" }), 0);
  } finally {
    await priced.stop();
  }
});

test("metrics.enabled false: no /metrics endpoint", async () => {
  const off = await startGateway({ metrics: { enabled: false } });
  try {
    const response = await scrape(off);
    assert.equal(response.status, 404);
    await response.text();
  } finally {
    await off.stop();
  }
});
