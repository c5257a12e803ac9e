/**
 * The webhook guardrail against a real loopback HTTP server: every call is signed (checked as a receiver checks a
 * delivery), carries the stage, rule, request id and route, and sees the text after the local rules masked it;
 * its verdicts allow, refuse (400 guardrail_refused with its reason) or rewrite the prompt and the answer, whole
 * or streamed; a webhook that does not answer in time, or fails, lets the text through (fail-open) or refuses it
 * (fail-closed) as its rule says, and either way is counted as an error.
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { verifyWebhook } from "../../src/webhooks/verifyWebhook.js";
import { bodyFor, envelopeError, post, stream } from "./guardrailClient.js";
import { startGuardrailWebhook, type GuardrailWebhookServer } from "./guardrailWebhookServer.js";

const SECRET = "guardrail-webhook-secret-0123456789";
let mock: MockUpstream;
let hook: GuardrailWebhookServer;
let gateway: TestGateway;

before(async () => {
  mock = await startMockUpstream();
  hook = await startGuardrailWebhook(SECRET);
  const webhook = { kind: "webhook", url: hook.url, secret: SECRET, timeoutMs: 150 };
  gateway = await startGateway({
    engines: [openAIEngine("vllm", mock.url)],
    rateLimits: { enabled: false },
    routes: [
      { name: "closed", targets: ["vllm/mock-model"], guardrails: ["pii", "moderation"] },
      { name: "open", targets: ["vllm/mock-model"], guardrails: ["advisory"] },
    ],
    guardrails: {
      rules: [
        { name: "pii", kind: "pii", entities: ["email"], stages: ["input"] },
        { ...webhook, name: "moderation", onTimeout: "refuse" },
        { ...webhook, name: "advisory", onTimeout: "allow", stages: ["input"] },
      ],
    },
  });
});
after(async () => {
  await gateway.stop();
  await hook.close();
  await mock.close();
});
beforeEach(() => {
  mock.reset();
  mock.script = () => ({ chunks: ["All ", "fine ", "here."] });
  hook.received = [];
  hook.answer = () => ({ verdict: { action: "allow" } });
});

const metric = async (rule: string, action: string): Promise<number> => {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`guardrail_verdicts_total{rule="${rule}",action="${action}"}`));
  return line === undefined ? 0 : Number(line.split(" ").at(-1));
};

test("allow: the prompt and the answer are each checked once, signed, and the webhook sees the masked prompt", async () => {
  const response = await post(gateway, "chat", bodyFor("chat", "Mail bob@example.com the report", "closed", false));
  assert.equal(response.status, 200);
  assert.equal(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content, "All fine here.");
  assert.deepEqual(hook.received.map((r) => [r.payload.stage, r.payload.rule, r.signed]), [
    ["input", "moderation", true],
    ["output", "moderation", true],
  ]);
  const [input, output] = hook.received.map((r) => r.payload);
  assert.equal(input?.text, "Mail [EMAIL] the report");
  assert.ok(!hook.received.some((r) => r.raw.includes("bob@example.com")), "the address never reached the webhook");
  assert.deepEqual(input?.messages, [{ role: "user", content: "Mail [EMAIL] the report" }]);
  assert.equal(input?.route, "closed");
  assert.equal(input?.keyId, null);
  assert.match(input?.requestId ?? "", /\S/);
  assert.equal(output?.text, "All fine here.");
  // The receiver's check is a real one: the same body under another secret does not verify.
  const first = hook.received[0];
  assert.equal(verifyWebhook("another-secret-0123456789", first?.signature, first?.raw ?? ""), false);
});

test("refuse: a 400 guardrail_refused naming the rule, with the webhook's reason; no engine is called", async () => {
  hook.answer = () => ({ verdict: { action: "refuse", reason: "off-topic for this assistant" } });
  const response = await post(gateway, "chat", bodyFor("chat", "Tell me a joke", "closed", false));
  assert.equal(response.status, 400);
  const error = envelopeError(await response.json()) as { code?: string; rule?: string; message?: string };
  assert.deepEqual([error.code, error.rule], ["guardrail_refused", "moderation"]);
  assert.match(error.message ?? "", /off-topic for this assistant/);
  assert.equal(mock.requests.length, 0);
});

test("rewrite: the prompt goes upstream as the webhook rewrote it, and the answer reaches the client rewritten", async () => {
  hook.answer = (payload) => ({ verdict: { action: "rewrite", text: payload.stage === "input" ? "Tell me about cats" : `[checked] ${payload.text}` } });
  const response = await post(gateway, "chat", bodyFor("chat", "Tell me about dogs", "closed", false));
  assert.equal(response.status, 200);
  assert.equal((mock.requests[0]?.body.messages as Array<{ content: string }>).at(-1)?.content, "Tell me about cats");
  assert.equal(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content, "[checked] All fine here.");
});

test("rewrite mid-stream: each released window is what the webhook made of it", async () => {
  hook.answer = (payload) => (payload.stage === "input" ? { verdict: { action: "allow" } } : { verdict: { action: "rewrite", text: payload.text.toUpperCase() } });
  const words = Array.from({ length: 30 }, (_, i) => `word${i} `);
  mock.script = () => ({ chunks: words });
  const streamed = await stream(gateway, "chat", "Talk to me", "closed");
  assert.equal(streamed.text, words.join("").toUpperCase());
  const outputs = hook.received.filter((r) => r.payload.stage === "output");
  assert.ok(outputs.length > 1, `${outputs.length} windows checked`);
  assert.equal(outputs.map((r) => r.payload.text).join(""), words.join(""));
  assert.ok(outputs.every((r) => r.signed));
});

test("a refusal of a streamed answer ends the stream with the error event", async () => {
  hook.answer = (payload) => (payload.stage === "input" ? { verdict: { action: "allow" } } : { verdict: { action: "refuse" } });
  const streamed = await stream(gateway, "chat", "Talk to me", "closed");
  assert.equal(streamed.status, 200);
  const failure = JSON.parse(streamed.last?.data ?? "{}") as { error?: { code: string; rule: string } };
  assert.deepEqual([failure.error?.code, failure.error?.rule], ["guardrail_refused", "moderation"]);
  assert.equal(streamed.text, "");
});

test("timeout, fail-closed: a webhook that does not answer in time refuses the request, counted as an error", async () => {
  const errors = await metric("moderation", "error");
  hook.answer = () => "hang";
  const started = performance.now();
  const response = await post(gateway, "chat", bodyFor("chat", "Hello", "closed", false));
  assert.equal(response.status, 400);
  const error = envelopeError(await response.json()) as { code?: string; rule?: string; message?: string };
  assert.deepEqual([error.code, error.rule], ["guardrail_refused", "moderation"]);
  assert.match(error.message ?? "", /timed out/);
  assert.ok(performance.now() - started < 5_000, "the timeout bounded the wait");
  assert.equal(mock.requests.length, 0);
  assert.equal(await metric("moderation", "error"), errors + 1);
});

test("timeout, fail-open: a webhook that does not answer in time lets the request through, counted as an error", async () => {
  const errors = await metric("advisory", "error");
  hook.answer = () => "hang";
  const response = await post(gateway, "chat", bodyFor("chat", "Hello", "open", false));
  assert.equal(response.status, 200);
  assert.equal(mock.requests.length, 1);
  assert.equal(hook.received.length, 1);
  assert.equal(await metric("advisory", "error"), errors + 1);
});

test("errors: a 500 or an answer that is no verdict is handled as onError (here onTimeout's refuse)", async () => {
  for (const answer of [{ status: 500, body: "boom" }, { status: 200, body: "not json" }, { verdict: { action: "maybe" } }] as const) {
    hook.answer = () => answer;
    const response = await post(gateway, "chat", bodyFor("chat", "Hello", "closed", false));
    assert.equal(response.status, 400, JSON.stringify(answer));
    const error = envelopeError(await response.json()) as { rule?: string; message?: string };
    assert.equal(error.rule, "moderation");
    assert.match(error.message ?? "", /check failed/);
  }
  assert.equal(mock.requests.length, 0);
});
