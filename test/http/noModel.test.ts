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
import { Writable } from "node:stream";

let gateway: TestGateway;
const lines: Array<Record<string, unknown>> = [];
before(async () => {
  const embedded = loadConfig({ env: {} }).config;
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  gateway = await startGateway({ engines: embedded.engines }, { logDestination: destination, logLevel: "info" });
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

test("the start logs one warning saying what to configure; failed chat requests log no stack", async () => {
  const warnings = lines.filter((line) => line.level === 40 && /SWITCHYARD_LOCAL_MODEL/.test(String(line.msg)));
  assert.equal(warnings.length, 1, JSON.stringify(lines));
  assert.equal(warnings[0]?.engine, "local");
  const before = lines.length;
  for (let i = 0; i < 3; i += 1) assert.equal((await postJson(`${gateway.url}/v1/chat/completions`, { model: "auto", messages: [{ role: "user", content: "hi" }] })).status, 503);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const during = lines.slice(before);
  assert.equal(during.filter((line) => line.msg === "request failed").length, 3, JSON.stringify(during));
  assert.ok(during.every((line) => Number(line.level) < 50 && line.err === undefined), JSON.stringify(during));
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
