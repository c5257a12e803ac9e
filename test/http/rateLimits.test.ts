/**
 * Rate limits over real HTTP, with auth.mode none (every request is the local user, limited per user): exactly N
 * requests pass, then 429 rate_limited in the path's envelope with Retry-After and x-ratelimit-* headers.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { jsonOf, type ErrorBody } from "../support/apiTypes.js";
import { postJson, readSse } from "../support/readSse.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { configSchema } from "../../src/config/schema.js";
import { startServer } from "../../src/main.js";
import { createLogger } from "../../src/logger.js";
import { createRateLimits } from "../../src/limits/createRateLimits.js";
import { localPrincipal } from "../../src/auth/principal.js";
import { eventually } from "../support/eventually.js";

let mock: MockUpstream;
before(async () => {
  mock = await startMockUpstream();
});
after(async () => {
  await mock.close();
});

/** Limits for the local user only (per-key limits never apply to it), every class generous unless given. */
function withLimits(perUser: Record<string, { rpm: number; tpm?: number }>): Record<string, unknown> {
  return {
    engines: [openAIEngine("vllm", mock.url)],
    rateLimits: { perUser: { chat: { rpm: 1000 }, admin: { rpm: 1000 }, other: { rpm: 1000 }, ...perUser } },
  };
}

async function withGateway(config: Record<string, unknown>, body: (gateway: TestGateway) => Promise<void>): Promise<void> {
  const gateway = await startGateway(config);
  try {
    await body(gateway);
  } finally {
    await gateway.stop();
  }
}

const chatBody = (extra: Record<string, unknown> = {}) => ({ model: "vllm/mock-model", messages: [{ role: "user", content: "hi" }], ...extra });

function limitHeaders(response: Response): { limit: number; remaining: number; reset: number } {
  const read = (name: string) => {
    const value = response.headers.get(name);
    assert.ok(value !== null && /^\d+$/.test(value), `${name}: ${value}`);
    return Number(value);
  };
  return { limit: read("x-ratelimit-limit"), remaining: read("x-ratelimit-remaining"), reset: read("x-ratelimit-reset") };
}

/** Retry-After must cover the rest of the window that opened with the first request, and no more. */
function assertRetryAfter(response: Response, windowOpenedAt: number): number {
  const retryAfter = Number(response.headers.get("retry-after"));
  assert.ok(Number.isInteger(retryAfter), `retry-after: ${response.headers.get("retry-after")}`);
  const elapsed = (Date.now() - windowOpenedAt) / 1000;
  assert.ok(retryAfter <= 60 && retryAfter >= Math.floor(60 - elapsed), `retry-after ${retryAfter} after ${elapsed} s of a 60 s window`);
  assert.equal(limitHeaders(response).reset, retryAfter, "x-ratelimit-reset agrees with Retry-After");
  return retryAfter;
}

test("exactly N requests pass, then 429 rate_limited with Retry-After (OpenAI envelope on /v1)", async () => {
  await withGateway(withLimits({ other: { rpm: 3 } }), async (gateway) => {
    const openedAt = Date.now();
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${gateway.url}/v1/models`);
      assert.equal(response.status, 200);
      await response.arrayBuffer();
      const headers = limitHeaders(response);
      assert.equal(headers.limit, 3);
      assert.equal(headers.remaining, 2 - i);
      assert.ok(headers.reset >= 1 && headers.reset <= 60);
    }
    const refused = await fetch(`${gateway.url}/v1/models`);
    assert.equal(refused.status, 429);
    assertRetryAfter(refused, openedAt);
    assert.deepEqual({ ...limitHeaders(refused), reset: 0 }, { limit: 3, remaining: 0, reset: 0 });
    const body = await jsonOf<ErrorBody>(refused);
    assert.equal(body.error.code, "rate_limited");
    assert.equal(body.error.type, "rate_limit_error");
    assert.match(body.error.message, /3 requests per minute/);
    assert.equal(body.error.traceId, refused.headers.get("x-trace-id"));
    // Still refused: refusals do not open a new window or count.
    assert.equal((await fetch(`${gateway.url}/v1/models`)).status, 429);
  });
});

test("429 on /api/v2 uses the Switchyard envelope", async () => {
  await withGateway(withLimits({ other: { rpm: 1 } }), async (gateway) => {
    const openedAt = Date.now();
    assert.equal((await fetch(`${gateway.url}/api/v2/chat/sessions`)).status, 200);
    const refused = await fetch(`${gateway.url}/api/v2/chat/sessions`);
    assert.equal(refused.status, 429);
    assertRetryAfter(refused, openedAt);
    const body = await jsonOf<ErrorBody>(refused);
    assert.equal(body.error.code, "rate_limited");
    assert.equal(body.error.traceId, refused.headers.get("x-trace-id"));
    assert.equal(body.error.type, undefined);
  });
});

test("chat routes count in the chat class, streams included, and carry the headers on SSE", async () => {
  await withGateway(withLimits({ chat: { rpm: 3 }, other: { rpm: 5 } }), async (gateway) => {
    const streamed = await postJson(`${gateway.url}/v1/chat/completions`, chatBody({ stream: true }));
    assert.equal(streamed.status, 200);
    assert.match(streamed.headers.get("content-type") ?? "", /text\/event-stream/);
    assert.deepEqual({ ...limitHeaders(streamed), reset: 0 }, { limit: 3, remaining: 2, reset: 0 });
    assert.equal((await readSse(streamed)).at(-1)?.data, "[DONE]");

    const session = await postJson(`${gateway.url}/api/v2/chat/stream`, { message: "hi" });
    assert.equal(session.status, 200);
    assert.equal(limitHeaders(session).remaining, 1);
    await readSse(session);

    const plain = await postJson(`${gateway.url}/v1/chat/completions`, chatBody());
    assert.equal(plain.status, 200);
    assert.equal(limitHeaders(plain).remaining, 0);
    await plain.arrayBuffer();

    const refused = await postJson(`${gateway.url}/api/v2/chat/stream`, { message: "hi" });
    assert.equal(refused.status, 429);
    assert.equal((await jsonOf<ErrorBody>(refused)).error.code, "rate_limited");
    const upstreamCalls = mock.requests.length;
    assert.equal((await postJson(`${gateway.url}/v1/chat/completions`, chatBody())).status, 429);
    assert.equal(mock.requests.length, upstreamCalls, "a refused request never reaches an engine");

    // Other classes have their own allowance.
    const models = await fetch(`${gateway.url}/v1/models`);
    assert.equal(models.status, 200);
    assert.deepEqual({ ...limitHeaders(models), reset: 0 }, { limit: 5, remaining: 4, reset: 0 });
  });
});

test("admin routes count in the admin class", async () => {
  await withGateway(withLimits({ admin: { rpm: 2 } }), async (gateway) => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${gateway.url}/api/v2/admin/engines`)).status);
    assert.deepEqual(statuses, [200, 200, 429]);
    assert.equal((await fetch(`${gateway.url}/api/v2/ab`)).status, 429, "the A/B API is admin too");
    assert.equal((await fetch(`${gateway.url}/api/v2/chat/sessions`)).status, 200);
  });
});

test("health checks are never limited and carry no limit headers", async () => {
  await withGateway(withLimits({ chat: { rpm: 1 }, admin: { rpm: 1 }, other: { rpm: 1 } }), async (gateway) => {
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${gateway.url}/health/live`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("x-ratelimit-limit"), null);
      await response.arrayBuffer();
    }
  });
});

test("rateLimits.enabled: false turns every limit off", async () => {
  await withGateway({ engines: [openAIEngine("vllm", mock.url)], rateLimits: { enabled: false, perUser: { other: { rpm: 1 } } } }, async (gateway) => {
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${gateway.url}/v1/models`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("x-ratelimit-limit"), null);
      await response.arrayBuffer();
    }
  });
});

test("tokens per minute: a user whose tokens are spent gets 429 on chat routes before any engine runs", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "switchyard-test-"));
  const config = configSchema.parse({
    ...withLimits({ chat: { rpm: 100, tpm: 50 } }),
    server: { host: "127.0.0.1", port: 0 },
    store: { url: `sqlite:${join(dataDir, "switchyard.db")}` },
    log: { level: "silent" },
  });
  const rateLimits = createRateLimits(config.rateLimits);
  const server = await startServer(config, { logger: createLogger("silent"), rateLimits });
  try {
    const first = await postJson(`${server.url}/v1/chat/completions`, chatBody());
    assert.equal(first.status, 200);
    await first.arrayBuffer();
    // What the meter records after a request; 50 tokens spend the whole minute.
    const spentAt = Date.now();
    await rateLimits.tokens.consume(localPrincipal, 50);
    const upstreamCalls = mock.requests.length;
    const refused = await postJson(`${server.url}/v1/chat/completions`, chatBody());
    assert.equal(refused.status, 429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    assert.ok(retryAfter >= 1 && retryAfter <= 60 && retryAfter >= Math.floor(60 - (Date.now() - spentAt) / 1000) - 1, `retry-after ${retryAfter}`);
    assert.deepEqual(limitHeaders(refused), { limit: 50, remaining: 0, reset: retryAfter });
    const body = await jsonOf<ErrorBody>(refused);
    assert.equal(body.error.code, "rate_limited");
    assert.match(body.error.message, /50 tokens per minute/);
    assert.equal((await postJson(`${server.url}/api/v2/chat/stream`, { message: "hi" })).status, 429);
    assert.equal(mock.requests.length, upstreamCalls);
    // Tokens limit chat only.
    assert.equal((await fetch(`${server.url}/v1/models`)).status, 200);
  } finally {
    await server.shutdown();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("API keys: a key's own rpm overrides the per-key limit; the per-user limit spans the user's keys", async () => {
  const adminKey = "admin-key-for-rate-limit-tests-0123456789";
  const config = {
    engines: [openAIEngine("vllm", mock.url)],
    auth: { mode: "keys", adminKey },
    rateLimits: { perKey: { chat: { rpm: 100 } }, perUser: { chat: { rpm: 3 } } },
  };
  await withGateway(config, async (gateway) => {
    const createKey = async (body: Record<string, unknown>) => {
      const response = await postJson(`${gateway.url}/api/v2/admin/keys`, body, { authorization: `Bearer ${adminKey}` });
      assert.equal(response.status, 201);
      return (await jsonOf<{ key: string }>(response)).key;
    };
    const slow = await createKey({ name: "slow", userId: "alice", rpm: 2 });
    const plain = await createKey({ name: "plain", userId: "alice" });
    const bob = await createKey({ name: "bob", userId: "bob" });
    const chat = async (key: string) => {
      const response = await postJson(`${gateway.url}/v1/chat/completions`, chatBody(), { authorization: `Bearer ${key}` });
      const body = await response.text();
      return { status: response.status, body, limit: response.headers.get("x-ratelimit-limit") };
    };

    const first = await chat(slow);
    assert.equal(first.status, 200, first.body);
    assert.equal(first.limit, "2", "the key's own limit is the tightest");
    assert.equal((await chat(slow)).status, 200);
    const keyRefused = await chat(slow);
    assert.equal(keyRefused.status, 429);
    assert.match(keyRefused.body, /2 requests per minute for this API key/);

    const third = await chat(plain);
    assert.equal(third.status, 200, "alice's third request, on another key");
    assert.equal(third.limit, "3");
    const userRefused = await chat(plain);
    assert.equal(userRefused.status, 429);
    assert.match(userRefused.body, /3 requests per minute for this user/);

    assert.equal((await chat(bob)).status, 200, "another user has their own allowance");
  });
});

test("tokens per minute end to end: the usage the meter records spends the limit", async () => {
  await withGateway(withLimits({ chat: { rpm: 100, tpm: 10 } }), async (gateway) => {
    mock.script = () => ({ usage: { prompt_tokens: 6, completion_tokens: 6 } });
    try {
      const first = await postJson(`${gateway.url}/v1/chat/completions`, chatBody());
      assert.equal(first.status, 200);
      await first.arrayBuffer();
      // The meter records usage as the request settles; wait for it rather than for a fixed time.
      const refused = await eventually(async () => {
        const response = await postJson(`${gateway.url}/v1/chat/completions`, chatBody());
        if (response.status === 200) {
          await response.arrayBuffer();
          return undefined;
        }
        return response;
      }, 5000, "the token limit to refuse");
      assert.equal(refused.status, 429);
      const body = await jsonOf<ErrorBody>(refused);
      assert.equal(body.error.code, "rate_limited");
      assert.match(body.error.message, /10 tokens per minute for this user/);
      assert.ok(Number(refused.headers.get("retry-after")) >= 1);
    } finally {
      mock.reset();
    }
  });
});
