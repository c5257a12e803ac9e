/**
 * The usage listing's trace, request and route filters over real HTTP: a trace id sent by the client (or the one
 * the gateway answered with) finds that trace's requests; users find only their own.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import type { TestGateway } from "../support/startGateway.js";
import type { ErrorBody } from "../support/apiTypes.js";
import { ADMIN_KEY, call, chatBody, createKey, startAuthGateway, type KeyCreated } from "../auth/authGateway.js";
import type { UsageList } from "./usageTypes.js";

const TRACE = "console-trace-0001";
let mock: MockUpstream;
let gateway: TestGateway;
let alice: KeyCreated;
let bob: KeyCreated;
let answeredTrace = "";

const list = async (token: string, path: string) => {
  const response = await call(gateway, "GET", path, { token });
  assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
  return (await response.json()) as UsageList;
};

before(async () => {
  mock = await startMockUpstream();
  gateway = await startAuthGateway(mock);
  alice = await createKey(gateway, { name: "alice", userId: "alice" });
  bob = await createKey(gateway, { name: "bob", userId: "bob" });
  const ask = async (key: KeyCreated, model: string, headers: Record<string, string> = {}) => {
    const response = await call(gateway, "POST", "/v1/chat/completions", { token: key.key, body: chatBody(model), headers });
    assert.equal(response.status, 200, await response.text());
    return response.headers.get("x-trace-id") ?? "";
  };
  await ask(alice, "chat", { "x-trace-id": TRACE });
  await ask(alice, "vllm/mock-model", { "x-trace-id": TRACE });
  await ask(bob, "chat", { "x-trace-id": TRACE });
  answeredTrace = await ask(bob, "vllm/mock-model");
});
after(async () => {
  await gateway?.stop();
  await mock?.close();
});

test("admin: traceId, requestId and route filter the rows and the totals", async () => {
  const traced = await list(ADMIN_KEY, `/api/v2/admin/usage?traceId=${TRACE}`);
  assert.deepEqual(traced.data.map((row) => [row.userId, row.route, row.traceId]), [
    ["bob", "chat", TRACE],
    ["alice", "vllm/mock-model", TRACE],
    ["alice", "chat", TRACE],
  ]);
  assert.equal(traced.totals.requests, 3);

  assert.match(answeredTrace, /^[0-9a-f]{32}$/, "the gateway answered with a trace id of its own");
  const answered = await list(ADMIN_KEY, `/api/v2/admin/usage?traceId=${answeredTrace}`);
  assert.deepEqual(answered.data.map((row) => row.userId), ["bob"]);

  const one = traced.data[1];
  assert.ok(one);
  const byRequest = await list(ADMIN_KEY, `/api/v2/admin/usage?requestId=${one.requestId}`);
  assert.deepEqual(byRequest.data.map((row) => row.id), [one.id]);

  const routed = await list(ADMIN_KEY, "/api/v2/admin/usage?route=chat");
  assert.deepEqual(routed.data.map((row) => row.userId), ["bob", "alice"]);
  assert.ok(routed.data.every((row) => row.route === "chat" && row.engine === "vllm" && row.model === "mock-model"), "the route asked for, served by its target");
  assert.equal((await list(ADMIN_KEY, `/api/v2/admin/usage?route=chat&traceId=${TRACE}&userId=alice`)).totals.requests, 1);
  assert.equal((await list(ADMIN_KEY, "/api/v2/admin/usage?traceId=nothing-like-it")).totals.requests, 0);
});

test("own: traceId finds the caller's rows of the trace, never another user's", async () => {
  const mine = await list(alice.key, `/api/v2/usage?traceId=${TRACE}`);
  assert.deepEqual(mine.data.map((row) => row.userId), ["alice", "alice"]);
  assert.equal((await list(alice.key, `/api/v2/usage?traceId=${answeredTrace}`)).totals.requests, 0, "bob's trace is not alice's");
  for (const query of ["requestId=x", "route=chat", "traceId="]) {
    const response = await call(gateway, "GET", `/api/v2/usage?${query}`, { token: alice.key });
    assert.equal(response.status, 400, query);
    assert.equal(((await response.json()) as ErrorBody).error.code, "invalid_request");
  }
});
