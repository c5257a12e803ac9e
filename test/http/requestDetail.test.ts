/**
 * The request detail API with body logging off (the default): a request is found with its usage row as the
 * listing shows it, no bodies and `bodiesLogged: false`; a user sees only their own requests (another user's is
 * 404, like one that does not exist), an admin anyone's; a refused request is there too.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import type { TestGateway } from "../support/startGateway.js";
import type { ErrorBody } from "../support/apiTypes.js";
import { ADMIN_KEY, createKey, startAuthGateway } from "../auth/authGateway.js";
import { detailOf, get, post, usageRowOf } from "./requestDetailClient.js";

let mock: MockUpstream;
let gateway: TestGateway;
let alice: string;
let bob: string;

before(async () => {
  mock = await startMockUpstream();
  mock.script = () => ({ text: "an answer nobody logs" });
  gateway = await startAuthGateway(mock, { pricing: { "vllm/mock-model": { input: 100, output: 100 } } });
  alice = (await createKey(gateway, { name: "alice", userId: "alice" })).key;
  bob = (await createKey(gateway, { name: "bob", userId: "bob" })).key;
});
after(async () => {
  await gateway.stop();
  await mock.close();
});

const ask = (token: string, stream = false) =>
  post(gateway, token, "/v1/chat/completions", { model: "vllm/mock-model", stream, messages: [{ role: "user", content: "a prompt nobody logs" }] });

test("the caller's own request: its usage row as listed, no bodies, bodiesLogged false", async () => {
  const row = await usageRowOf(gateway, alice, await ask(alice));
  const detail = await detailOf(gateway, alice, `/api/v2/requests/${row.requestId}`);
  assert.deepEqual(detail, { request: row, bodies: null, bodiesLogged: false });
  assert.equal(detail.request.userId, "alice");
  assert.equal(detail.request.status, "complete");

  const streamed = await usageRowOf(gateway, alice, await ask(alice, true));
  assert.deepEqual(await detailOf(gateway, alice, `/api/v2/requests/${streamed.requestId}`), { request: streamed, bodies: null, bodiesLogged: false });
  const raw = new BetterSqlite3(join(gateway.dataDir, "switchyard.db"), { readonly: true });
  try {
    assert.deepEqual(raw.prepare("select count(*) as n from request_bodies").get(), { n: 0 }, "with bodies off nothing is written");
  } finally {
    raw.close();
  }
});

test("another user's request is 404 not_found, as is one that does not exist; an admin sees any", async () => {
  const row = await usageRowOf(gateway, alice, await ask(alice));
  const theirs = await get(gateway, bob, `/api/v2/requests/${row.requestId}`);
  assert.equal(theirs.status, 404);
  const body = (await theirs.json()) as ErrorBody;
  assert.equal(body.error.code, "not_found");
  const unknown = await get(gateway, alice, `/api/v2/requests/${randomUUID()}`);
  assert.equal(unknown.status, 404);
  assert.equal(((await unknown.json()) as ErrorBody).error.message.startsWith("no request "), true, "the same answer: nothing tells the two apart");

  const admin = await detailOf(gateway, ADMIN_KEY, `/api/v2/admin/requests/${row.requestId}`);
  assert.deepEqual(admin, { request: row, bodies: null, bodiesLogged: false });
  assert.equal((await get(gateway, ADMIN_KEY, `/api/v2/admin/requests/${randomUUID()}`)).status, 404);
  const asUser = await get(gateway, alice, `/api/v2/admin/requests/${row.requestId}`);
  assert.equal(asUser.status, 403);
  assert.equal((await get(gateway, "", `/api/v2/requests/${row.requestId}`)).status, 401);
});

test("a refused request is in the log too, with its status", async () => {
  const capped = (await createKey(gateway, { name: "capped", userId: "carol", budgetUsd: 0.000001, budgetWindow: "total" })).key;
  const response = await ask(capped);
  assert.equal(response.status, 402);
  const row = await usageRowOf(gateway, capped, response);
  const detail = await detailOf(gateway, capped, `/api/v2/requests/${row.requestId}`);
  assert.deepEqual([detail.request.status, detail.request.errorCode, detail.bodies], ["rejected", "budget_exceeded", null]);
});
