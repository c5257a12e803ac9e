/**
 * Refused prompts over real HTTP: a refusing rule on the input (a denylist, maxPromptChars) answers 400
 * guardrail_refused naming the rule, in each API family's envelope, before the cache, the budget and any engine;
 * the ledger has the request as `rejected` with that code, as a refused budget leaves it; a session turn that is
 * refused leaves no session behind.
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { jsonOf, type Page, type SessionView } from "../support/apiTypes.js";
import { eventually } from "../support/eventually.js";
import { postJson } from "../support/readSse.js";
import { apiFamilies, bodyFor, envelopeError, ledgerRows, post } from "./guardrailClient.js";

let mock: MockUpstream;
let gateway: TestGateway;

// The envelope each family's clients read: OpenAI's type, Anthropic's type and top-level `type: "error"`, ours.
const expected = {
  chat: { type: "invalid_request_error" },
  messages: { type: "invalid_request_error" },
  responses: { type: "invalid_request_error" },
  session: { type: undefined },
};

before(async () => {
  mock = await startMockUpstream();
  gateway = await startGateway({
    engines: [openAIEngine("vllm", mock.url)],
    rateLimits: { enabled: false },
    pricing: { "vllm/mock-model": { input: 1, output: 1 } },
    budgets: { perUser: { usd: 10, window: "day" } },
    guardrails: {
      rules: [
        { name: "no-secrets", kind: "pii", entities: ["secret"], action: "refuse", stages: ["input"] },
        { name: "short-prompts", kind: "maxPromptChars", maxChars: 200 },
      ],
      apply: ["short-prompts", "no-secrets"],
    },
  });
});
after(async () => {
  await gateway.stop();
  await mock.close();
});
beforeEach(() => mock.reset());

const leaked = "Why does AKIAIOSFODNN7EXAMPLE not work with my bucket?";

for (const family of apiFamilies) {
  for (const stream of [false, true]) {
    if (family === "session" && !stream) continue;
    test(`${family}${stream ? " (stream)" : ""}: a refused prompt is a 400 guardrail_refused naming the rule; no engine is called`, async () => {
      const response = await post(gateway, family, bodyFor(family, leaked, "vllm/mock-model", stream));
      assert.equal(response.status, 400);
      assert.match(response.headers.get("content-type") ?? "", /application\/json/);
      const body = (await response.json()) as Record<string, unknown>;
      const error = envelopeError(body);
      assert.deepEqual([error.code, error.rule, error.type], ["guardrail_refused", "no-secrets", expected[family].type], JSON.stringify(body));
      if (family === "messages") assert.equal(body.type, "error");
      assert.ok(!JSON.stringify(body).includes("AKIA"), "the refusal does not quote the prompt");
      assert.equal(mock.requests.length, 0);
    });
  }
}

test("refused prompts have rejected ledger rows with guardrail_refused, and no session was created", async () => {
  for (const family of apiFamilies) await post(gateway, family, bodyFor(family, leaked, "vllm/mock-model", true));
  const rows = await ledgerRows(gateway, "status=rejected", 4);
  assert.ok(rows.every((row) => row.errorCode === "guardrail_refused" && row.route === "vllm/mock-model" && row.engine === null && row.costUsd === 0), JSON.stringify(rows));
  const sessions = await jsonOf<Page<SessionView>>(fetch(`${gateway.url}/api/v2/chat/sessions`));
  assert.equal(sessions.data.length, 0);
});

test("maxPromptChars: a prompt over the limit is refused by that rule, one within it goes through", async () => {
  mock.script = () => ({ chunks: ["ok"] });
  const long = "x".repeat(201);
  for (const family of apiFamilies) {
    const response = await post(gateway, family, bodyFor(family, long, "vllm/mock-model", true));
    assert.equal(response.status, 400, family);
    const error = envelopeError(await response.json());
    assert.deepEqual([error.code, error.rule], ["guardrail_refused", "short-prompts"]);
  }
  assert.equal(mock.requests.length, 0);
  const fits = await post(gateway, "chat", bodyFor("chat", "x".repeat(200), "vllm/mock-model", false));
  assert.equal(fits.status, 200);
  // The whole prompt counts: two messages of 150 characters are over 200 together.
  const split = await post(gateway, "chat", {
    model: "vllm/mock-model",
    messages: [
      { role: "system", content: "s".repeat(150) },
      { role: "user", content: "u".repeat(150) },
    ],
  });
  assert.equal(split.status, 400);
  assert.equal(envelopeError(await split.json()).rule, "short-prompts");
});

test("a queued chat job with a refused prompt fails with guardrail_refused", async () => {
  const submitted = await postJson(`${gateway.url}/api/v2/chat/jobs`, bodyFor("chat", leaked, "vllm/mock-model", false));
  assert.equal(submitted.status, 202);
  const { id } = (await submitted.json()) as { id: string };
  const job = await eventually(async () => {
    const view = await jsonOf<{ status: string; error?: { code: string; message: string } }>(fetch(`${gateway.url}/api/v2/chat/jobs/${id}`));
    return view.status === "failed" ? view : undefined;
  }, 5000, "the job to fail");
  assert.equal(job.error?.code, "guardrail_refused");
  assert.match(job.error?.message ?? "", /no-secrets/);
  assert.equal(mock.requests.length, 0);
});
