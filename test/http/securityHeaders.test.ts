/**
 * Security headers and CORS on every kind of response: JSON, errors (including a 401 from authentication),
 * server-sent events (hijacked responses write their own head), and CORS preflights.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { jsonOf, type ErrorBody } from "../support/apiTypes.js";
import { postJson, readSse } from "../support/readSse.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";

const allowed = "https://app.example.com";
let mock: MockUpstream;
let gateway: TestGateway;

before(async () => {
  mock = await startMockUpstream();
  gateway = await startGateway({ engines: [openAIEngine("vllm", mock.url)], server: { cors: { origins: [`${allowed}/`] } } });
});
after(async () => {
  await gateway.stop();
  await mock.close();
});

async function withGateway(config: Record<string, unknown>, body: (other: TestGateway) => Promise<void>): Promise<void> {
  const other = await startGateway({ engines: [openAIEngine("vllm", mock.url)], ...config });
  try {
    await body(other);
  } finally {
    await other.stop();
  }
}

function assertSecurityHeaders(response: Response, what: string): void {
  const header = (name: string) => response.headers.get(name);
  assert.equal(header("content-security-policy"), "default-src 'none';frame-ancestors 'none'", what);
  assert.equal(header("x-content-type-options"), "nosniff", what);
  assert.equal(header("x-frame-options"), "DENY", what);
  assert.equal(header("referrer-policy"), "no-referrer", what);
  assert.equal(header("strict-transport-security"), null, `${what}: no HSTS over plain HTTP`);
  assert.ok(header("x-trace-id"), `${what}: x-trace-id`);
}

function assertCorsAllowed(response: Response, what: string): void {
  assert.equal(response.headers.get("access-control-allow-origin"), allowed, what);
  assert.equal(response.headers.get("access-control-allow-credentials"), null, what);
  const exposed = (response.headers.get("access-control-expose-headers") ?? "").split(/,\s*/);
  for (const name of ["x-trace-id", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after"]) {
    assert.ok(exposed.includes(name), `${what}: exposes ${name}`);
  }
}

const chatBody = (extra: Record<string, unknown> = {}) => ({ model: "vllm/mock-model", messages: [{ role: "user", content: "hi" }], ...extra });
const fromApp = { origin: allowed };

test("JSON responses carry the security headers", async () => {
  const response = await fetch(`${gateway.url}/v1/models`, { headers: fromApp });
  assert.equal(response.status, 200);
  assertSecurityHeaders(response, "GET /v1/models");
  assertCorsAllowed(response, "GET /v1/models");
  const health = await fetch(`${gateway.url}/health/live`);
  assertSecurityHeaders(health, "GET /health/live");
});

test("error responses carry them too: 400, 404, 413, 415", async () => {
  const invalid = await postJson(`${gateway.url}/v1/chat/completions`, { model: 1 }, fromApp);
  assert.equal(invalid.status, 400);
  assertSecurityHeaders(invalid, "400");
  assertCorsAllowed(invalid, "400");
  const missing = await fetch(`${gateway.url}/api/v2/nothing-here`, { headers: fromApp });
  assert.equal(missing.status, 404);
  assert.equal((await jsonOf<ErrorBody>(missing)).error.code, "not_found");
  assertSecurityHeaders(missing, "404");
  assertCorsAllowed(missing, "404");
  const notJson = await fetch(`${gateway.url}/api/v2/chat/stream`, { method: "POST", headers: { "content-type": "application/xml", ...fromApp }, body: "<hi/>" });
  assert.equal(notJson.status, 415);
  assertSecurityHeaders(notJson, "415");
  const huge = await postJson(`${gateway.url}/api/v2/chat/stream`, { message: "x".repeat(1_100_000) }, fromApp);
  assert.equal(huge.status, 413);
  assert.equal((await jsonOf<ErrorBody>(huge)).error.code, "payload_too_large");
  assertSecurityHeaders(huge, "413");
});

test("server-sent events carry the security, CORS and rate-limit headers", async () => {
  const openAI = await postJson(`${gateway.url}/v1/chat/completions`, chatBody({ stream: true }), fromApp);
  assert.equal(openAI.status, 200);
  assert.match(openAI.headers.get("content-type") ?? "", /^text\/event-stream/);
  assertSecurityHeaders(openAI, "OpenAI stream");
  assertCorsAllowed(openAI, "OpenAI stream");
  assert.ok(openAI.headers.get("x-ratelimit-remaining"), "OpenAI stream: x-ratelimit-remaining");
  assert.equal((await readSse(openAI)).at(-1)?.data, "[DONE]");

  const session = await postJson(`${gateway.url}/api/v2/chat/stream`, { message: "hi" }, fromApp);
  assert.equal(session.status, 200);
  assert.match(session.headers.get("content-type") ?? "", /^text\/event-stream/);
  assertSecurityHeaders(session, "session stream");
  assertCorsAllowed(session, "session stream");
  assert.ok(session.headers.get("x-ratelimit-remaining"), "session stream: x-ratelimit-remaining");
  assert.equal((await readSse(session)).at(-1)?.event, "done");
});

test("HSTS only when the request came over TLS, as a trusted proxy reports it", async () => {
  const direct = await fetch(`${gateway.url}/v1/models`, { headers: { "x-forwarded-proto": "https" } });
  assert.equal(direct.headers.get("strict-transport-security"), null, "X-Forwarded-Proto from an untrusted peer is ignored");
  await withGateway({ server: { trustProxy: true } }, async (proxied) => {
    const viaTls = await fetch(`${proxied.url}/v1/models`, { headers: { "x-forwarded-proto": "https" } });
    assert.equal(viaTls.headers.get("strict-transport-security"), "max-age=31536000; includeSubDomains");
    const failed = await fetch(`${proxied.url}/v1/nothing`, { headers: { "x-forwarded-proto": "https" } });
    assert.equal(failed.status, 404);
    assert.equal(failed.headers.get("strict-transport-security"), "max-age=31536000; includeSubDomains", "errors too");
    const streamed = await postJson(`${proxied.url}/v1/chat/completions`, chatBody({ stream: true }), { "x-forwarded-proto": "https" });
    assert.equal(streamed.headers.get("strict-transport-security"), "max-age=31536000; includeSubDomains", "streams too");
    await streamed.arrayBuffer();
    const plain = await fetch(`${proxied.url}/v1/models`, { headers: { "x-forwarded-proto": "http" } });
    assert.equal(plain.headers.get("strict-transport-security"), null);
  });
});

test("CORS preflight from an allowed origin is answered without credentials", async () => {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "OPTIONS",
    headers: { origin: allowed, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
  });
  assert.equal(response.status, 204);
  assert.equal(response.headers.get("access-control-allow-origin"), allowed);
  assert.match(response.headers.get("access-control-allow-methods") ?? "", /POST/);
  assert.equal(response.headers.get("access-control-allow-headers"), "authorization, content-type");
  assert.equal(response.headers.get("access-control-allow-credentials"), null);
  assert.match(response.headers.get("vary") ?? "", /origin/i);
  assertSecurityHeaders(response, "preflight");
});

test("CORS from an origin not on the list: no header allows it", async () => {
  const preflight = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "OPTIONS",
    headers: { origin: "https://evil.example.net", "access-control-request-method": "POST" },
  });
  assert.equal(preflight.headers.get("access-control-allow-origin"), null);
  await preflight.arrayBuffer();
  const simple = await fetch(`${gateway.url}/v1/models`, { headers: { origin: "https://evil.example.net" } });
  assert.equal(simple.status, 200, "the server answers; the browser withholds the response");
  assert.equal(simple.headers.get("access-control-allow-origin"), null);
  await simple.arrayBuffer();
});

test("CORS with no origins configured: preflights find nothing, nothing is allowed", async () => {
  await withGateway({}, async (closed) => {
    const preflight = await fetch(`${closed.url}/v1/chat/completions`, {
      method: "OPTIONS",
      headers: { origin: allowed, "access-control-request-method": "POST" },
    });
    assert.equal(preflight.status, 404);
    assert.equal((await jsonOf<ErrorBody>(preflight)).error.code, "not_found");
    assert.equal(preflight.headers.get("access-control-allow-origin"), null);
    const simple = await fetch(`${closed.url}/v1/models`, { headers: { origin: allowed } });
    assert.equal(simple.headers.get("access-control-allow-origin"), null);
    await simple.arrayBuffer();
  });
});

test("CORS with \"*\" listed explicitly allows any origin", async () => {
  await withGateway({ server: { cors: { origins: ["*"] } } }, async (open) => {
    const simple = await fetch(`${open.url}/v1/models`, { headers: { origin: "https://anywhere.example.org" } });
    assert.equal(simple.headers.get("access-control-allow-origin"), "*");
    await simple.arrayBuffer();
  });
});

test("with authentication on, preflights still pass and a 401 carries the security and CORS headers", async () => {
  const adminKey = "admin-key-for-security-header-tests-0123";
  await withGateway({ auth: { mode: "keys", adminKey }, server: { cors: { origins: [allowed] } } }, async (guarded) => {
    const preflight = await fetch(`${guarded.url}/v1/chat/completions`, {
      method: "OPTIONS",
      headers: { origin: allowed, "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), allowed);
    const unauthorized = await fetch(`${guarded.url}/v1/models`, { headers: fromApp });
    assert.equal(unauthorized.status, 401);
    assertSecurityHeaders(unauthorized, "401");
    assertCorsAllowed(unauthorized, "401");
    await unauthorized.arrayBuffer();
  });
});
