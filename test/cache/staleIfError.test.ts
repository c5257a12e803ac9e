/**
 * Stale-if-error end to end: real gateways over a mock upstream that starts failing. An expired entry inside its
 * route's stale window stands in for the failed engines (plain and streamed, from L1 and from Redis), marked
 * `x-switchyard-cache: stale` with a Warning header and counted; client errors, a route without a window and an
 * entry past its window still get the error.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { startGateway, type TestGateway } from "../support/startGateway.js";
import { eventually } from "../support/eventually.js";
import { readSse } from "../support/readSse.js";

const redisUrl = process.env.SWITCHYARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const answer = "The answer is 42.";

let mock: MockUpstream;
let failing = false;

before(async () => {
  mock = await startMockUpstream();
  mock.script = () => (failing ? { status: 500 } : { text: answer, usage: { prompt_tokens: 5, completion_tokens: 4 } });
});
after(async () => {
  await mock?.close();
});

// No retries and a breaker that stays closed: each failing request is one upstream call, answered at once.
const engine = {
  name: "vllm",
  type: "openai",
  baseUrl: "",
  models: ["mock-model"],
  retry: { attempts: 0 },
  breaker: { failureRatio: 1, minRequests: 100000 },
};

const config = (cache: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  engines: [{ ...engine, baseUrl: mock.url }],
  routes: [
    { name: "kept", targets: ["vllm/mock-model"], staleIfErrorSeconds: 60 },
    { name: "never", targets: ["vllm/mock-model"], staleIfErrorSeconds: 0 },
    { name: "brief", targets: ["vllm/mock-model"], staleIfErrorSeconds: 1 },
  ],
  cache: { enabled: true, ttlSeconds: 0.2, ...cache },
  ...extra,
});

const question = () => `question ${randomBytes(6).toString("hex")}`;

async function chat(gateway: TestGateway, model: string, content: string, stream = false) {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, temperature: 0, stream, messages: [{ role: "user", content }] }),
  });
  return { response, cache: response.headers.get("x-switchyard-cache"), warning: response.headers.get("warning") };
}

async function content(response: Response): Promise<string> {
  const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
  return body.choices[0]!.message.content;
}

/** Caches an answer while the upstream works, then makes the upstream fail. */
async function cacheThenFail(gateway: TestGateway, model: string, text: string): Promise<void> {
  failing = false;
  const first = await chat(gateway, model, text);
  assert.equal(first.response.status, 200);
  assert.equal(first.cache, "miss");
  await first.response.text();
  failing = true;
}

async function staleCount(gateway: TestGateway): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith('cache_requests_total{result="stale"}'));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

test("every target failing: the expired answer is served as stale, plain and streamed, and counted", async () => {
  const gateway = await startGateway(config({}));
  try {
    const text = question();
    await cacheThenFail(gateway, "kept", text);
    const calls = mock.requests.length;
    // Fresh, it is a plain hit; once its TTL passes the engine is asked, fails, and the stale copy stands in.
    const stale = await eventually(async () => {
      const attempt = await chat(gateway, "kept", text);
      if (attempt.cache === "stale") return attempt;
      assert.equal(attempt.response.status, 200);
      assert.equal(attempt.cache, "hit");
      await attempt.response.text();
      return undefined;
    }, 5000, "the entry to expire");
    assert.equal(stale.response.status, 200);
    assert.match(stale.warning ?? "", /^110 /);
    assert.equal(await content(stale.response), answer);
    assert.ok(mock.requests.length > calls, "the engine was tried first");

    const streamed = await chat(gateway, "kept", text, true);
    assert.equal(streamed.response.status, 200);
    assert.equal(streamed.cache, "stale");
    assert.match(streamed.response.headers.get("content-type") ?? "", /text\/event-stream/);
    const events = await readSse(streamed.response);
    assert.equal(events.at(-1)?.data, "[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as { choices: Array<{ delta: { content?: string } }> });
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? "").join(""), answer);

    assert.equal(await staleCount(gateway), 2);
    // A request never answered before has nothing to fall back on: the engine's error goes through.
    const unseen = await chat(gateway, "kept", question());
    assert.equal(unseen.response.status, 502);
    assert.notEqual(unseen.cache, "stale");
    assert.equal(((await unseen.response.json()) as { error: { code: string } }).error.code, "upstream_error");
  } finally {
    failing = false;
    await gateway.stop();
  }
});

test("no stale answer for a route without a window, past the window, or for a client error", async () => {
  // The cache-wide default is a long window; the routes override it.
  const gateway = await startGateway(config({ staleIfErrorSeconds: 60 }));
  try {
    const never = question();
    await cacheThenFail(gateway, "never", never);
    const refused = await eventually(async () => {
      const attempt = await chat(gateway, "never", never);
      if (attempt.cache === "hit") return void (await attempt.response.text());
      return attempt;
    }, 5000, "the entry to expire");
    assert.notEqual(refused.cache, "stale");
    assert.equal(refused.response.status, 502);
    await refused.response.text();

    // The default window applies to a request straight to the engine.
    const direct = question();
    await cacheThenFail(gateway, "vllm/mock-model", direct);
    const served = await eventually(async () => {
      const attempt = await chat(gateway, "vllm/mock-model", direct);
      await attempt.response.text();
      return attempt.cache === "stale" ? attempt : undefined;
    }, 5000, "the stale answer");
    assert.equal(served.response.status, 200);

    // A 1 s window over a 0.2 s TTL: served stale for a while, then the error comes through.
    const brief = question();
    await cacheThenFail(gateway, "brief", brief);
    const seen: string[] = [];
    await eventually(async () => {
      const attempt = await chat(gateway, "brief", brief);
      await attempt.response.text();
      seen.push(`${attempt.response.status}:${attempt.response.status === 200 ? attempt.cache : "error"}`);
      return attempt.response.status === 502 ? true : undefined;
    }, 5000, "the stale window to close");
    assert.equal(seen.at(-1), "502:error");
    assert.ok(seen.every((s) => ["200:hit", "200:stale", "502:error"].includes(s)), seen.join(" "));
    assert.ok(seen.includes("200:stale"), `served stale inside the window: ${seen.join(" ")}`);

    // The upstream refusing the request itself (400) is the client's error, not a failed engine.
    const rejected = question();
    await cacheThenFail(gateway, "kept", rejected);
    mock.script = () => ({ status: 400, errorMessage: "bad request" });
    const invalid = await eventually(async () => {
      const attempt = await chat(gateway, "kept", rejected);
      if (attempt.cache === "hit") return void (await attempt.response.text());
      return attempt;
    }, 5000, "the entry to expire");
    assert.equal(invalid.response.status, 400);
    assert.notEqual(invalid.cache, "stale");
    await invalid.response.text();
  } finally {
    failing = false;
    mock.script = () => (failing ? { status: 500 } : { text: answer, usage: { prompt_tokens: 5, completion_tokens: 4 } });
    await gateway.stop();
  }
});

test("a replica that never saw the request serves the stale answer from Redis (L2)", async () => {
  const keyPrefix = `sy-test-${randomBytes(4).toString("hex")}:`;
  const shared = config({}, { redis: { url: redisUrl, keyPrefix } });
  const replicas = [await startGateway(shared), await startGateway(shared)];
  try {
    const text = question();
    await cacheThenFail(replicas[0]!, "kept", text);
    const stale = await eventually(async () => {
      const attempt = await chat(replicas[1]!, "kept", text);
      if (attempt.cache === "stale") return attempt;
      assert.equal(attempt.cache, "hit");
      await attempt.response.text();
      return undefined;
    }, 5000, "the entry to expire");
    assert.equal(stale.response.status, 200);
    assert.equal(await content(stale.response), answer);
  } finally {
    failing = false;
    await Promise.all(replicas.map((g) => g.stop()));
  }
});
