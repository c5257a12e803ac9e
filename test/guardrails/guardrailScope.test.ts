/**
 * Where rules apply, through a real gateway with API keys: `guardrails.apply` for every request, a route's
 * `guardrails` for requests on that route, `guardrails.keys` for requests made with that key (applied by a
 * reload, as a key is created at run time), each rule once however many places name it. A request no rule
 * applies to is passed on untouched, chunk for chunk.
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import type { TestGateway } from "../support/startGateway.js";
import { configSchema } from "../../src/config/schema.js";
import { ADMIN_KEY, createKey, startAuthGateway, type KeyCreated } from "../auth/authGateway.js";
import { stream } from "./guardrailClient.js";

let mock: MockUpstream;
let gateway: TestGateway;
let alice: KeyCreated;
let bob: KeyCreated;

const chunks = ["Mail ", "ann@exa", "mple.com ", "now, ", "it's ", "urgent."];
const raw = chunks.join("");
const auth = (key: KeyCreated | string) => ({ authorization: `Bearer ${typeof key === "string" ? key : key.key}` });

before(async () => {
  mock = await startMockUpstream();
  gateway = await startAuthGateway(mock, {
    routes: [
      { name: "guarded", targets: ["vllm/mock-model"], guardrails: ["pii"] },
      { name: "open", targets: ["vllm/mock-model"] },
    ],
    guardrails: {
      rules: [
        { name: "pii", kind: "pii", entities: ["email"] },
        { name: "calm", kind: "denylist", words: ["urgent"], placeholder: "[CALM]", stages: ["output"] },
      ],
    },
  });
  alice = await createKey(gateway, { name: "alice", userId: "alice" });
  bob = await createKey(gateway, { name: "bob", userId: "bob" });
});
after(async () => {
  await gateway.stop();
  await mock.close();
});
beforeEach(() => {
  mock.reset();
  mock.script = () => ({ chunks });
});

const contentChunks = (events: Array<{ data: string }>) => events.filter((event) => event.data.includes('"content"')).length;

test("per route: the route's rules apply on it, not on another route nor on engine/model", async () => {
  assert.equal((await stream(gateway, "chat", "hi", "guarded", auth(alice))).text, "Mail [EMAIL] now, it's urgent.");
  for (const model of ["open", "vllm/mock-model"]) {
    const streamed = await stream(gateway, "chat", "hi", model, auth(alice));
    assert.equal(streamed.text, raw, model);
    assert.equal(contentChunks(streamed.events), chunks.length, "no rule applies: the stream is passed on chunk for chunk");
  }
  assert.equal((await stream(gateway, "session", "hi", "guarded", auth(alice))).text, "Mail [EMAIL] now, it's urgent.");
  assert.equal((await stream(gateway, "session", "hi", "open", auth(alice))).text, raw);
});

test("per key, applied by a reload: the key's rules apply to its requests only, and every rule runs once", async () => {
  const metric = async () => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    return Number(/^guardrail_verdicts_total\{rule="pii",action="mask"\} (\S+)$/m.exec(text)?.[1] ?? 0);
  };
  gateway.reload(configSchema.parse({ ...gateway.config, guardrails: { ...gateway.config.guardrails, keys: { [alice.id]: ["calm", "pii"] } } }));
  assert.equal((await stream(gateway, "chat", "hi", "open", auth(alice))).text, "Mail [EMAIL] now, it's [CALM].");
  assert.equal((await stream(gateway, "chat", "hi", "open", auth(bob))).text, raw);
  assert.equal((await stream(gateway, "session", "hi", "open", auth(alice))).text, "Mail [EMAIL] now, it's [CALM].");
  // The route and the key both name pii: it runs once per stage, and masks the answer once.
  const before = await metric();
  assert.equal((await stream(gateway, "chat", "Write to me at zed@example.com", "guarded", auth(alice))).text, "Mail [EMAIL] now, it's [CALM].");
  assert.equal(await metric(), before + 2, "input and output: one verdict each");
  assert.equal((mock.requests.at(-1)?.body.messages as Array<{ content: string }>).at(-1)?.content, "Write to me at [EMAIL]");
});

test("guardrails.apply: every request, whoever makes it and on any route, the bootstrap admin key included", async () => {
  gateway.reload(configSchema.parse({ ...gateway.config, guardrails: { ...gateway.config.guardrails, apply: ["calm"], keys: {} } }));
  for (const [key, model] of [[bob, "open"], [ADMIN_KEY, "vllm/mock-model"], [alice, "guarded"]] as const) {
    const text = (await stream(gateway, "chat", "hi", model, auth(key))).text;
    assert.ok(text.endsWith("it's [CALM]."), `${model}: ${text}`);
  }
});
