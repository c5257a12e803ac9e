/**
 * The embedded default without a model: the server starts, readiness says why, chat says what to configure.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { loadConfig } from "../../src/config/loadConfig.js";
import { startGateway, type TestGateway } from "../support/startGateway.js";
import { jsonOf, type ErrorBody, type Page, type ReadyBody, type SessionView } from "../support/apiTypes.js";
import { postJson } from "../support/readSse.js";

let gateway: TestGateway;
before(async () => {
  const embedded = loadConfig({ env: {} }).config;
  gateway = await startGateway({ engines: embedded.engines });
});
after(() => gateway.stop());

test("live is ok; ready is 503 and explains what to configure", async () => {
  const live = await fetch(`${gateway.url}/health/live`);
  assert.equal(live.status, 200);
  const ready = await fetch(`${gateway.url}/health/ready`);
  assert.equal(ready.status, 503);
  const body = await jsonOf<ReadyBody>(ready);
  assert.equal(body.status, "not_ready");
  assert.equal(body.checks.store.ok, true);
  assert.equal(body.checks.engines.local?.usable, false);
  assert.match(body.reasons.join(" "), /SWITCHYARD_LOCAL_MODEL/);
});

test("chat requests get engine_unavailable with the same advice, on both APIs", async () => {
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
  await assert.rejects(
    client.chat.completions.create({ model: "auto", messages: [{ role: "user", content: "hi" }] }),
    (error: InstanceType<typeof OpenAI.APIError>) => error.status === 503 && error.code === "engine_unavailable" && /SWITCHYARD_LOCAL_MODEL/.test(error.message),
  );
  const response = await postJson(`${gateway.url}/api/v2/chat/stream`, { message: "hi" });
  assert.equal(response.status, 503);
  assert.ok(response.headers.get("retry-after"));
  const body = await jsonOf<ErrorBody>(response);
  assert.equal(body.error.code, "engine_unavailable");
  assert.match(body.error.message, /SWITCHYARD_LOCAL_MODEL/);
  const sessions = await jsonOf<Page<SessionView>>(fetch(`${gateway.url}/api/v2/chat/sessions`));
  assert.equal(sessions.data.length, 0, "nothing is written when no engine can answer");
});
