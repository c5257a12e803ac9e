/**
 * Bad input gets a 4xx with a stable code, in the envelope of its API family, and writes nothing.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { join } from "node:path";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { jsonOf, type ErrorBody } from "../support/apiTypes.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";

let mock: MockUpstream;
let gateway: TestGateway;

before(async () => {
  mock = await startMockUpstream();
  gateway = await startGateway({ engines: [openAIEngine("vllm", mock.url)], server: { bodyLimitBytes: 4096 } });
});
after(async () => {
  await gateway.stop();
  await mock.close();
});

const send = (path: string, body: string, contentType = "application/json") =>
  fetch(`${gateway.url}${path}`, { method: "POST", headers: { "content-type": contentType }, body });

interface Case {
  name: string;
  path: string;
  body: string;
  status: number;
  code: string;
  param?: string;
}

const completions = "/v1/chat/completions";
const stream = "/api/v2/chat/stream";
const ok = (extra: Record<string, unknown> = {}) => JSON.stringify({ model: "vllm/mock-model", messages: [{ role: "user", content: "hi" }], ...extra });

const cases: Case[] = [
  { name: "malformed JSON (v1)", path: completions, body: '{"model": "x", ', status: 400, code: "invalid_request" },
  { name: "malformed JSON (v2)", path: stream, body: "{not json", status: 400, code: "invalid_request" },
  { name: "empty body", path: completions, body: "", status: 400, code: "invalid_request" },
  { name: "missing model", path: completions, body: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }), status: 400, code: "invalid_request", param: "model" },
  { name: "missing messages", path: completions, body: JSON.stringify({ model: "vllm/mock-model" }), status: 400, code: "invalid_request", param: "messages" },
  { name: "empty messages", path: completions, body: ok({ messages: [] }), status: 400, code: "invalid_request", param: "messages" },
  { name: "wrong-typed temperature", path: completions, body: ok({ temperature: "hot" }), status: 400, code: "invalid_request", param: "temperature" },
  { name: "wrong-typed stream", path: completions, body: ok({ stream: "yes" }), status: 400, code: "invalid_request", param: "stream" },
  { name: "bad role", path: completions, body: ok({ messages: [{ role: "wizard", content: "hi" }] }), status: 400, code: "invalid_request", param: "messages.0.role" },
  { name: "unsupported n", path: completions, body: ok({ n: 3 }), status: 400, code: "invalid_request", param: "n" },
  { name: "image content part", path: completions, body: ok({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }] }), status: 400, code: "invalid_request", param: "messages[0].content[0]" },
  { name: "unknown model", path: completions, body: ok({ model: "nope/nothing" }), status: 404, code: "not_found", param: "model" },
  { name: "unknown model of a known engine", path: completions, body: ok({ model: "vllm/nothing" }), status: 404, code: "not_found", param: "model" },
  { name: "missing message (v2)", path: stream, body: JSON.stringify({}), status: 400, code: "invalid_request", param: "message" },
  { name: "wrong-typed message (v2)", path: stream, body: JSON.stringify({ message: 42 }), status: 400, code: "invalid_request", param: "message" },
  { name: "empty message (v2)", path: stream, body: JSON.stringify({ message: "" }), status: 400, code: "invalid_request", param: "message" },
  { name: "unknown field (v2)", path: stream, body: JSON.stringify({ message: "hi", temprature: 1 }), status: 400, code: "invalid_request" },
  { name: "malformed session id (v2)", path: stream, body: JSON.stringify({ message: "hi", sessionId: "abc" }), status: 400, code: "invalid_request", param: "sessionId" },
  { name: "unknown session id (v2)", path: stream, body: JSON.stringify({ message: "hi", sessionId: "0b7e6a4e-5d3c-4f1a-9e2b-8c7d6e5f4a3b" }), status: 404, code: "not_found", param: "sessionId" },
  { name: "unknown engine (v2)", path: stream, body: JSON.stringify({ message: "hi", engine: "nope" }), status: 404, code: "not_found", param: "engine" },
  { name: "unknown model (v2)", path: stream, body: JSON.stringify({ message: "hi", engine: "vllm", model: "nope" }), status: 404, code: "not_found", param: "model" },
  { name: "body over the limit (v1)", path: completions, body: ok({ messages: [{ role: "user", content: "x".repeat(8000) }] }), status: 413, code: "payload_too_large" },
  { name: "body over the limit (v2)", path: stream, body: JSON.stringify({ message: "x".repeat(8000) }), status: 413, code: "payload_too_large" },
];

for (const c of cases) {
  test(`${c.name} → ${c.status} ${c.code}`, async () => {
    const response = await send(c.path, c.body);
    assert.equal(response.status, c.status);
    const { error } = await jsonOf<ErrorBody>(response);
    assert.equal(error.code, c.code);
    assert.equal(typeof error.message, "string");
    assert.ok(error.message.length > 0);
    if (c.param !== undefined) assert.equal(error.param, c.param);
    if (c.path.startsWith("/v1")) assert.equal(typeof error.type, "string", "OpenAI's envelope has a type");
    assert.match(error.traceId, /^[0-9a-f]{32}$/);
  });
}

test("wrong content type is a 4xx", async () => {
  const response = await send(completions, "model=x", "application/x-www-form-urlencoded");
  assert.equal(response.status, 415);
  assert.equal((await jsonOf<ErrorBody>(response)).error.code, "invalid_request");
});

test("bad query parameters and unknown routes are 4xx", async () => {
  const badLimit = await fetch(`${gateway.url}/api/v2/chat/sessions?limit=abc`);
  assert.equal(badLimit.status, 400);
  assert.equal((await jsonOf<ErrorBody>(badLimit)).error.param, "limit");
  const badCursor = await fetch(`${gateway.url}/api/v2/chat/sessions?cursor=%%%garbage`);
  assert.equal(badCursor.status, 400);
  const unknownSession = await fetch(`${gateway.url}/api/v2/chat/sessions/not-a-session/messages`);
  assert.equal(unknownSession.status, 404);
  const noRoute = await fetch(`${gateway.url}/v1/nothing-here`);
  assert.equal(noRoute.status, 404);
  assert.equal((await jsonOf<ErrorBody>(noRoute)).error.type, "invalid_request_error");
});

test("none of the bad requests reached the upstream or wrote to the store", async () => {
  assert.equal(mock.requests.length, 0);
  const db = new Database(join(gateway.dataDir, "switchyard.db"), { readonly: true });
  try {
    const sessions = db.prepare("select count(*) as n from sessions").get() as { n: number };
    const messages = db.prepare("select count(*) as n from messages").get() as { n: number };
    assert.equal(sessions.n, 0);
    assert.equal(messages.n, 0);
  } finally {
    db.close();
  }
});
