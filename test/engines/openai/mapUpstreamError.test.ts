import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer as createNetServer } from "node:net";
import { createOpenAIEngine } from "../../../src/engines/openai/createOpenAIEngine.js";
import { mapTransportError } from "../../../src/engines/openai/mapTransportError.js";
import type { Engine } from "../../../src/engines/spec.js";
import { GatewayError, type ErrorCode } from "../../../src/errors.js";
import type { MockScript } from "../../support/mockUpstream.js";
import { engineConfig, helloRequest, startOpenAIEngineFixture, streamAll } from "./openAIEngineFixture.js";

interface Expected {
  code: ErrorCode;
  retryable: boolean;
  message?: string | RegExp;
  retryAfterSeconds?: number;
}

async function assertFailsWith(engine: Engine, expected: Expected): Promise<GatewayError> {
  let caught: unknown;
  const parts = [];
  try {
    for await (const part of engine.stream(helloRequest, { signal: new AbortController().signal })) parts.push(part);
  } catch (error) {
    caught = error;
  }
  assert.equal(parts.length, 0, "nothing is yielded before the error");
  assert.ok(caught instanceof GatewayError, `a GatewayError, got ${String(caught)}`);
  assert.equal(caught.code, expected.code);
  assert.equal(caught.retryable, expected.retryable);
  if (typeof expected.message === "string") assert.equal(caught.message, expected.message);
  else if (expected.message) assert.match(caught.message, expected.message);
  if ("retryAfterSeconds" in expected) assert.equal(caught.retryAfterSeconds, expected.retryAfterSeconds);
  assert.equal(engine.status().inFlight, 0);
  return caught;
}

const statusCases: Array<{ script: MockScript; expected: Expected }> = [
  { script: { status: 400, errorMessage: "max_tokens is too large" }, expected: { code: "invalid_request", retryable: false, message: "max_tokens is too large" } },
  { script: { status: 404, errorMessage: "The model `nope` does not exist" }, expected: { code: "invalid_request", retryable: false, message: "The model `nope` does not exist" } },
  { script: { status: 413, errorMessage: "request too large" }, expected: { code: "invalid_request", retryable: false, message: "request too large" } },
  { script: { status: 422, errorMessage: "messages: field required" }, expected: { code: "invalid_request", retryable: false, message: "messages: field required" } },
  { script: { status: 429, errorMessage: "Rate limit reached for org-secret", retryAfter: "7" }, expected: { code: "engine_overloaded", retryable: true, retryAfterSeconds: 7 } },
  { script: { status: 429, errorMessage: "slow down" }, expected: { code: "engine_overloaded", retryable: true, retryAfterSeconds: undefined } },
  { script: { status: 500, errorMessage: "Traceback (most recent call last)" }, expected: { code: "upstream_error", retryable: true, message: "upstream failed with status 500" } },
  { script: { status: 503, errorMessage: "loading model", retryAfter: "2" }, expected: { code: "upstream_error", retryable: true, retryAfterSeconds: 2 } },
];

for (const { script, expected } of statusCases) {
  test(`upstream ${script.status}${script.retryAfter ? ` with Retry-After ${script.retryAfter}` : ""} → ${expected.code}`, async () => {
    const { mock, engine, close } = await startOpenAIEngineFixture();
    try {
      mock.script = () => script;
      const error = await assertFailsWith(engine, expected);
      if (expected.code !== "invalid_request") assert.ok(!error.message.includes(script.errorMessage ?? "\0"), "upstream internals stay out of the message");
      assert.ok(error.status < 500 || expected.code !== "invalid_request", "a client error never becomes a 5xx");
      assert.equal(mock.completedStreams, 1, "the error body was read to the end");
    } finally {
      await close();
    }
  });
}

for (const status of [401, 403]) {
  test(`upstream ${status} → upstream_error about credentials, without the key`, async () => {
    const logged: unknown[] = [];
    const logger = { warn: (fields: Record<string, unknown>, message: string) => void logged.push({ fields, message }) };
    const { mock, engine, close } = await startOpenAIEngineFixture({ apiKey: "sk-very-secret" }, { logger });
    try {
      mock.script = () => ({ status, errorMessage: "Incorrect API key provided: sk-very-secret" });
      const error = await assertFailsWith(engine, { code: "upstream_error", retryable: false, message: "upstream rejected the engine's credentials" });
      const seen = JSON.stringify({ message: error.message, param: error.param, cause: error.cause, logged });
      assert.ok(!seen.includes("sk-very-secret"), seen);
      assert.ok(seen.includes("Incorrect API key provided: [redacted]"), "operators still see what the upstream said");
    } finally {
      await close();
    }
  });
}

test("an unused port → engine_unavailable (retryable)", async () => {
  const port = await unusedPort();
  const engine = createOpenAIEngine(engineConfig(`http://127.0.0.1:${port}/v1`));
  try {
    await assertFailsWith(engine, { code: "engine_unavailable", retryable: true, message: /ECONNREFUSED/ });
  } finally {
    await engine.close();
  }
});

test("a connection reset before any answer → engine_unavailable (retryable)", async () => {
  const server = createNetServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const engine = createOpenAIEngine(engineConfig(`http://127.0.0.1:${port}/v1`));
  try {
    await assertFailsWith(engine, { code: "engine_unavailable", retryable: true });
  } finally {
    await engine.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test("DNS failures and happy-eyeballs aggregates classify as engine_unavailable", () => {
  const notFound = Object.assign(new Error("getaddrinfo ENOTFOUND upstream.invalid"), { code: "ENOTFOUND" });
  assert.equal(mapTransportError(notFound).code, "engine_unavailable");
  assert.equal(mapTransportError(notFound).message, "upstream is unreachable (ENOTFOUND)");
  const aggregate = new AggregateError([Object.assign(new Error("connect ECONNREFUSED ::1:1"), { code: "ECONNREFUSED" })]);
  assert.equal(mapTransportError(aggregate).message, "upstream is unreachable (ECONNREFUSED)");
});

test("no response headers in time → engine_timeout (retryable)", async () => {
  const { mock, engine, close } = await startOpenAIEngineFixture({}, { headersTimeoutMs: 50 });
  try {
    mock.script = () => ({ hang: true });
    await assertFailsWith(engine, { code: "engine_timeout", retryable: true });
    await mock.waitForAborted(1);
  } finally {
    await close();
  }
});

test("an upstream that goes silent mid-stream → engine_timeout after the parts it sent", async () => {
  const { mock, engine, close } = await startOpenAIEngineFixture({}, { bodyTimeoutMs: 50 });
  try {
    mock.script = () => ({ stallAfterChunks: 2 });
    const parts = [];
    let caught: unknown;
    try {
      for await (const part of engine.stream(helloRequest, { signal: new AbortController().signal })) parts.push(part);
    } catch (error) {
      caught = error;
    }
    assert.equal(parts.length, 2);
    assert.ok(caught instanceof GatewayError);
    assert.equal(caught.code, "engine_timeout");
    await mock.waitForAborted(1);
  } finally {
    await close();
  }
});

test("a closed engine refuses new streams as engine_unavailable", async () => {
  const { engine, close } = await startOpenAIEngineFixture();
  try {
    await streamAll(engine);
    await engine.close();
    await assertFailsWith(engine, { code: "engine_unavailable", retryable: true });
  } finally {
    await close();
  }
});

async function unusedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
