/**
 * What the fuzz found: a body nested thousands of levels deep in a field passed through to the engine overflowed
 * the stack when serialised again (a 5xx, and a failure counted against the engine's breaker). Bodies nested
 * deeper than the limit are now a 400 before anything reads them.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { MAX_JSON_DEPTH, nestedDeeperThan } from "../../src/http/security/jsonBodyParser.js";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { jsonOf, type ErrorBody } from "../support/apiTypes.js";

test("nesting is counted outside strings only, escapes included", () => {
  assert.equal(nestedDeeperThan("[[[]]]", 3), false);
  assert.equal(nestedDeeperThan("[[[[]]]]", 3), true);
  assert.equal(nestedDeeperThan('{"a":{"b":{"c":1}}}', 3), false);
  assert.equal(nestedDeeperThan('{"a":{"b":{"c":{}}}}', 3), true);
  assert.equal(nestedDeeperThan(`{"s":"${"[".repeat(50)}"}`, 3), false, "brackets in a string");
  assert.equal(nestedDeeperThan(`{"s":"\\"${"{".repeat(50)}"}`, 3), false, "an escaped quote does not end the string");
  assert.equal(nestedDeeperThan(`{"s":"\\\\"}${"[".repeat(5)}`, 3), true, "an escaped backslash does");
  assert.equal(nestedDeeperThan("[]".repeat(10_000), 1), false, "siblings are not depth");
});

let mock: MockUpstream;
let gateway: TestGateway;
before(async () => {
  mock = await startMockUpstream();
  gateway = await startGateway({ engines: [openAIEngine("vllm", mock.url)] });
});
after(async () => {
  await gateway.stop();
  await mock.close();
});

const chat = (extra: string) =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: `{"model":"vllm/mock-model","messages":[{"role":"user","content":"hi"}],"response_format":${extra}}`,
  });

test("a body nested deeper than the limit is a 400 and never reaches the engine", async () => {
  const before = mock.requests.length;
  for (const depth of [MAX_JSON_DEPTH, 10_000]) {
    const response = await chat("[".repeat(depth) + "]".repeat(depth));
    assert.equal(response.status, 400, `depth ${depth}`);
    const body = await jsonOf<ErrorBody>(response);
    assert.equal(body.error.code, "invalid_request");
    assert.match(body.error.message, /nested deeper than 128 levels/);
  }
  assert.equal(mock.requests.length, before);
  // The engine is still healthy: nothing was counted against its breaker.
  const fine = await chat("{\"type\":\"text\"}");
  assert.equal(fine.status, 200);
  await fine.arrayBuffer();
});

test("a body within the limit passes, and Fastify's own checks still apply", async () => {
  // The body itself is one level, the field adds the rest.
  const depth = MAX_JSON_DEPTH - 1;
  const within = await chat("[".repeat(depth) + "]".repeat(depth));
  assert.equal(within.status, 200);
  await within.arrayBuffer();
  for (const body of ["", "{", '{"__proto__":{"x":1},"message":"hi"}', '{"constructor":{"prototype":{"x":1}},"message":"hi"}']) {
    const response = await fetch(`${gateway.url}/api/v2/chat/stream`, { method: "POST", headers: { "content-type": "application/json" }, body });
    assert.equal(response.status, 400, JSON.stringify(body));
    assert.equal((await jsonOf<ErrorBody>(response)).error.code, "invalid_request");
  }
});
