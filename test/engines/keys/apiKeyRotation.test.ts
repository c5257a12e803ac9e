/**
 * Several API keys on one engine: taken in turn; a key that meets a 429 is set aside for the upstream's
 * Retry-After (else keyCooldownMs) and the call goes on at once with the next key; with every key set aside the
 * engine refuses without calling the upstream. Through a real gateway and mock upstream, then the pool's clock
 * logic with an injected clock.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createKeyPool } from "../../../src/engines/keys/createKeyPool.js";
import { startMockUpstream } from "../../support/mockUpstream.js";
import { postJson } from "../../support/readSse.js";
import { openAIEngine, startGateway } from "../../support/startGateway.js";

const keys = ["sk-key-aaaa-0001", "sk-key-bbbb-0002", "sk-key-cccc-0003"];
const keyOf = (authorization: unknown) => String(authorization).replace(/^Bearer /, "");
const chat = (url: string, stream = false) =>
  postJson(`${url}/v1/chat/completions`, { model: "mock-model", stream, messages: [{ role: "user", content: "hi" }] });

test("keys are taken in turn; a 429 sets one aside and the same call is served by the next key", async () => {
  const mock = await startMockUpstream();
  const gateway = await startGateway({ engines: [{ ...openAIEngine("pool", mock.url), apiKeys: keys, keyCooldownMs: 600_000 }] });
  try {
    for (let i = 0; i < 3; i++) assert.equal((await chat(gateway.url)).status, 200);
    assert.deepEqual(mock.requests.map((request) => keyOf(request.headers.authorization)), keys, "one each, in turn");

    mock.reset();
    mock.script = (request) => (keyOf(request.headers.authorization) === keys[0] ? { status: 429, errorMessage: "rate limited", retryAfter: "120" } : { text: "served" });
    const served = await chat(gateway.url, true);
    assert.equal(served.status, 200);
    assert.match(await served.text(), /served/);
    assert.deepEqual(mock.requests.map((request) => keyOf(request.headers.authorization)), [keys[0], keys[1]], "the refused call moved to the next key");

    mock.reset();
    mock.script = () => ({ text: "ok" });
    for (let i = 0; i < 4; i++) assert.equal((await chat(gateway.url)).status, 200);
    const used = mock.requests.map((request) => keyOf(request.headers.authorization));
    assert.ok(!used.includes(keys[0] as string), `the rate-limited key rests: ${used.join(",")}`);
    assert.deepEqual(used, [keys[2], keys[1], keys[2], keys[1]]);
  } finally {
    await gateway.stop();
    await mock.close();
  }
});

test("every key rate limited: one call per key, then a 503 with Retry-After and no further upstream calls", async () => {
  const mock = await startMockUpstream();
  const gateway = await startGateway({ engines: [{ ...openAIEngine("pool", mock.url), apiKeys: keys.slice(0, 2), keyCooldownMs: 600_000 }] });
  try {
    mock.script = () => ({ status: 429, errorMessage: "rate limited" });
    const refused = await chat(gateway.url);
    assert.equal(refused.status, 503);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "engine_overloaded");
    assert.ok(Number(refused.headers.get("retry-after")) > 500, `retry-after ${refused.headers.get("retry-after")}`);
    assert.equal(mock.requests.length, 2, "each key tried once");

    const again = await chat(gateway.url);
    assert.equal(again.status, 503);
    assert.equal(mock.requests.length, 2, "while every key rests the upstream is not called");
  } finally {
    await gateway.stop();
    await mock.close();
  }
});

test("the key pool: in turn, skipping resting keys; a rested key comes back when its cool-down ends", () => {
  const pool = createKeyPool(3);
  assert.deepEqual([pool.take(0), pool.take(0), pool.take(0), pool.take(0)], [0, 1, 2, 0]);
  pool.coolDown(1, 1000);
  assert.deepEqual([pool.take(10), pool.take(10), pool.take(10)], [2, 0, 2]);
  pool.coolDown(0, 500);
  pool.coolDown(2, 2000);
  assert.equal(pool.take(100), undefined);
  assert.equal(pool.nextFreeIn(100), 400);
  assert.equal(pool.take(500), 0);
  assert.equal(pool.take(1000), 1, "back after its cool-down");
  pool.coolDown(1, 900);
  assert.equal(pool.nextFreeIn(1000), 0, "an earlier end never shortens a longer cool-down, and 0 once a key is free");
});
