/**
 * Routes as models and engines, session affinity, A/B variants through the session pipeline, and the operator
 * views of engine state (admin engines, readiness details).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { startGateway, type TestGateway } from "../support/startGateway.js";
import { postJson, readSse } from "../support/readSse.js";
import { jsonOf, type ErrorBody, type MessageView, type Page, type ReadyBody } from "../support/apiTypes.js";

let a: MockUpstream;
let b: MockUpstream;
let gateway: TestGateway;

const policy = {
  timeouts: { ttftMs: 2000, totalMs: 5000 },
  retry: { attempts: 0, baseDelayMs: 5, maxDelayMs: 50 },
  breaker: { failureRatio: 0.5, minRequests: 2, windowMs: 60000, halfOpenAfterMs: 60000 },
};

before(async () => {
  a = await startMockUpstream();
  b = await startMockUpstream();
  a.script = () => ({ text: "from a" });
  b.script = () => ({ text: "from b" });
  gateway = await startGateway({
    engines: [
      { name: "a", type: "openai", baseUrl: a.url, models: ["m"], ...policy },
      { name: "b", type: "openai", baseUrl: b.url, models: ["m"], ...policy },
    ],
    routes: [
      { name: "duo", strategy: "weighted", targets: [{ target: "a/m", weight: 1 }, { target: "b/m", weight: 1 }] },
      { name: "pair", strategy: "fallback", targets: ["a/m", "b/m"] },
    ],
    chat: { defaultEngine: "duo" },
  });
});
after(async () => {
  await gateway.stop();
  await a.close();
  await b.close();
});

interface Turn {
  sessionId: string;
  messageId: string;
  engine: string;
  text: string;
  experiment?: { id: string; variant: string };
}

async function turn(body: Record<string, unknown>): Promise<Turn> {
  const response = await postJson(`${gateway.url}/api/v2/chat/stream`, body);
  assert.equal(response.status, 200, await response.clone().text());
  const events = await readSse(response);
  assert.equal(events.at(-1)?.event, "done", JSON.stringify(events.at(-1)));
  const meta = JSON.parse(events[0]?.data ?? "{}") as Omit<Turn, "text">;
  const text = events
    .filter((e) => e.event === "token")
    .map((e) => (JSON.parse(e.data) as { text: string }).text)
    .join("");
  return { ...meta, text };
}

test("routes are models on /v1 and engines on the session API, and are listed", async () => {
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
  const ids = (await client.models.list()).data.map((m) => m.id);
  assert.deepEqual(ids, ["a/m", "b/m", "duo", "pair"]);
  const completion = await client.chat.completions.create({ model: "pair", messages: [{ role: "user", content: "hi" }] });
  assert.equal(completion.model, "a/m");
  assert.equal(completion.choices[0]?.message.content, "from a");

  const served = await turn({ message: "hi", engine: "pair" });
  assert.equal(served.engine, "a");
  assert.equal(served.text, "from a");

  const withModel = await postJson(`${gateway.url}/api/v2/chat/stream`, { message: "hi", engine: "pair", model: "m" });
  assert.equal(withModel.status, 400);
  assert.equal((await jsonOf<ErrorBody>(withModel)).error.param, "model");
});

test("A/B: variants by session hash, recorded on messages, with results and feedback", async () => {
  const created = await postJson(`${gateway.url}/api/v2/ab`, {
    name: "a-vs-b",
    assignBy: "session",
    variants: [
      { name: "A", weight: 1, engine: "a", system: "You are variant A." },
      { name: "B", weight: 1, engine: "b", params: { temperature: 0.1 } },
    ],
  });
  assert.equal(created.status, 201);
  const experiment = await jsonOf<{ id: string }>(created);
  a.reset();
  b.reset();
  a.script = () => ({ text: "from a" });
  b.script = () => ({ text: "from b" });

  const turns: Turn[] = [];
  for (let i = 0; i < 24; i++) turns.push(await turn({ message: `question ${i}` }));
  const counts = { A: 0, B: 0 };
  for (const t of turns) {
    assert.equal(t.experiment?.id, experiment.id);
    const variant = t.experiment?.variant as "A" | "B";
    counts[variant] += 1;
    assert.equal(t.engine, variant === "A" ? "a" : "b", "the variant's engine serves the turn");
  }
  assert.ok(counts.A > 0 && counts.B > 0, `both variants used: ${JSON.stringify(counts)}`);
  assert.deepEqual(
    (a.requests[0]?.body.messages as Array<{ role: string; content: string }>)[0],
    { role: "system", content: "You are variant A." },
  );
  assert.equal(b.requests[0]?.body.temperature, 0.1);

  // The same session keeps its variant on the next turn.
  const first = turns[0] as Turn;
  const again = await turn({ message: "follow-up", sessionId: first.sessionId });
  assert.equal(again.experiment?.variant, first.experiment?.variant);

  const messages = await jsonOf<Page<MessageView & { variant?: string }>>(fetch(`${gateway.url}/api/v2/chat/sessions/${first.sessionId}/messages`));
  assert.equal(messages.data.length, 4);

  const feedback = await postJson(`${gateway.url}/api/v2/chat/feedback`, { messageId: first.messageId, score: 1 });
  assert.equal(feedback.status, 204);

  const results = await jsonOf<{ variants: Array<{ variant: string; requests: number; errorRate: number; ttftMs: { mean: number | null }; feedback: { count: number } }> }>(
    fetch(`${gateway.url}/api/v2/ab/${experiment.id}/results`),
  );
  const total = results.variants.reduce((sum, v) => sum + v.requests, 0);
  assert.equal(total, 25);
  for (const v of results.variants) {
    assert.equal(v.errorRate, 0);
    assert.ok(v.ttftMs.mean !== null && v.ttftMs.mean >= 0);
  }
  assert.equal(results.variants.find((v) => v.variant === first.experiment?.variant)?.feedback.count, 1);

  const stopped = await fetch(`${gateway.url}/api/v2/ab/${experiment.id}`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ status: "stopped" }),
  });
  assert.equal(stopped.status, 200);
  const after = await turn({ message: "no experiment now" });
  assert.equal(after.experiment, undefined);
});

test("a session keeps its engine while healthy, and moves when that engine's breaker opens", async () => {
  const first = await turn({ message: "start" });
  const home = first.engine;
  for (let i = 0; i < 5; i++) {
    const next = await turn({ message: `again ${i}`, sessionId: first.sessionId });
    assert.equal(next.engine, home, "affinity holds on a weighted route");
  }
  const [homeMock, other] = home === "a" ? ["a", "b"] : ["b", "a"];
  (homeMock === "a" ? a : b).script = () => ({ status: 500 });

  const moved = await turn({ message: "home is failing", sessionId: first.sessionId });
  assert.equal(moved.engine, other, "fell back within the turn");
  // Earlier successes are in the window too: failures must reach half of all requests before it opens.
  type EnginesView = { engines: Array<{ name: string; breaker: string; inFlight: number; queued: number }>; routes: Array<{ name: string }> };
  const view = () => jsonOf<EnginesView>(fetch(`${gateway.url}/api/v2/admin/engines`));
  let failures = 1;
  while ((await view()).engines.find((e) => e.name === home)?.breaker !== "open") {
    assert.ok(failures < 100, "the breaker never opened");
    const failing = await postJson(`${gateway.url}/v1/chat/completions`, { model: `${home}/m`, messages: [{ role: "user", content: "x" }] });
    assert.equal(failing.status, 502);
    failures += 1;
  }
  const engines = await view();
  assert.equal(engines.engines.find((e) => e.name === home)?.breaker, "open");
  assert.equal(engines.engines.find((e) => e.name === other)?.breaker, "closed");
  assert.deepEqual(engines.routes.map((r) => r.name), ["duo", "pair"]);
  const ready = await jsonOf<ReadyBody & { checks: { engines: Record<string, { breaker: string }> } }>(fetch(`${gateway.url}/health/ready`));
  assert.equal(ready.checks.engines[home]?.breaker, "open");
  // An open breaker does not take the replica out of service; it is shown as degraded, with the engine named.
  assert.equal(ready.status, "degraded");
  assert.ok(ready.reasons.some((reason) => reason.startsWith(`engine ${home}: circuit breaker open`)), JSON.stringify(ready.reasons));

  const before = (homeMock === "a" ? a : b).requests.length;
  for (let i = 0; i < 3; i++) {
    const next = await turn({ message: `after ${i}`, sessionId: first.sessionId });
    assert.equal(next.engine, other);
  }
  assert.equal((homeMock === "a" ? a : b).requests.length, before, "the open breaker keeps traffic off the failing engine");
});
