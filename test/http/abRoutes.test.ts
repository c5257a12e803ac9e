/**
 * The A/B experiments API over real HTTP: create → list → get → patch → results, bad input as 4xx with stable
 * codes, and 404s. Outcomes are seeded through a second store on the gateway's database, as the chat pipeline
 * would write them.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { openStore, type Store } from "../../src/store/openStore.js";
import { startGateway, type TestGateway } from "../support/startGateway.js";
import { jsonOf, type ErrorBody } from "../support/apiTypes.js";

interface ExperimentView {
  id: string;
  name: string;
  status: string;
  appliesTo: string;
  assignBy: string;
  variants: Array<Record<string, unknown>>;
  createdAt: string;
  updatedAt: string;
}

interface ResultsView {
  experimentId: string;
  status: string;
  variants: Array<{
    variant: string;
    requests: number;
    errors: number;
    errorRate: number;
    latencyMs: { mean: number | null; p95: number | null };
    ttftMs: { mean: number | null; p95: number | null };
    tokens: { input: number; output: number };
    feedback: { mean: number | null; count: number };
  }>;
}

let gateway: TestGateway;
let seed: Store;

before(async () => {
  gateway = await startGateway({ engines: [] });
  seed = await openStore(`sqlite:${join(gateway.dataDir, "switchyard.db")}`);
});
after(async () => {
  await seed.close();
  await gateway.stop();
});

const request = (method: string, path: string, body?: unknown) =>
  fetch(`${gateway.url}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });

const variants = [
  { name: "control", weight: 50, engine: "vllm", model: "qwen" },
  { name: "brief", weight: 50, engine: "vllm", model: "qwen", system: "Answer in one sentence.", params: { temperature: 0.2, maxTokens: 128 } },
];

async function expectError(response: Response, status: number, code: string, param?: string): Promise<void> {
  assert.equal(response.status, status);
  const { error } = await jsonOf<ErrorBody>(response);
  assert.equal(error.code, code);
  assert.ok(error.message.length > 0);
  assert.match(error.traceId, /^[0-9a-f]{32}$/);
  if (param !== undefined) assert.equal(error.param, param);
}

test("create → list → get → patch → results", async () => {
  const createdResponse = await request("POST", "/api/v2/ab", { name: "brevity", variants });
  assert.equal(createdResponse.status, 201);
  const created = await jsonOf<ExperimentView>(createdResponse);
  assert.match(created.id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(
    { ...created, id: "", createdAt: "", updatedAt: "" },
    { id: "", name: "brevity", status: "running", appliesTo: "auto", assignBy: "user", variants, createdAt: "", updatedAt: "" },
  );
  assert.ok(!Number.isNaN(Date.parse(created.createdAt)));

  const second = await jsonOf<ExperimentView>(
    request("POST", "/api/v2/ab", { name: "vllm-temps", appliesTo: "vllm", assignBy: "session", status: "paused", variants: [{ name: "t0", weight: 1, params: { temperature: 0 } }] }),
  );
  assert.equal(second.status, "paused");
  assert.equal(second.assignBy, "session");
  assert.equal(second.appliesTo, "vllm");

  const list = await jsonOf<{ data: ExperimentView[] }>(request("GET", "/api/v2/ab"));
  assert.deepEqual(list.data.map((e) => e.id).filter((id) => id === created.id || id === second.id), [second.id, created.id]);
  assert.deepEqual(await jsonOf<ExperimentView>(request("GET", `/api/v2/ab/${created.id}`)), created);

  const paused = await request("PATCH", `/api/v2/ab/${created.id}`, { status: "paused" });
  assert.equal(paused.status, 200);
  assert.equal((await jsonOf<ExperimentView>(paused)).status, "paused");
  const reweighted = await jsonOf<ExperimentView>(
    request("PATCH", `/api/v2/ab/${created.id}`, { status: "running", variants: [{ name: "control", weight: 90 }, { name: "brief", weight: 10 }] }),
  );
  assert.equal(reweighted.status, "running");
  assert.deepEqual(reweighted.variants, [{ name: "control", weight: 90 }, { name: "brief", weight: 10 }]);

  // Two answers for control (one engine error), one for brief with feedback.
  const session = await seed.sessions.create({ userId: "local" });
  const [, c1, , c2, , b1] = await seed.messages.append(session.id, [
    { role: "user", content: "q", status: "complete" },
    { role: "assistant", content: "", status: "incomplete", experimentId: created.id, variant: "control" },
    { role: "user", content: "q", status: "complete" },
    { role: "assistant", content: "", status: "incomplete", experimentId: created.id, variant: "control" },
    { role: "user", content: "q", status: "complete" },
    { role: "assistant", content: "", status: "incomplete", experimentId: created.id, variant: "brief" },
  ]);
  assert.ok(c1 && c2 && b1);
  await seed.messages.finish(c1.id, { content: "a", status: "complete", latencyMs: 400, ttftMs: 40, inputTokens: 10, outputTokens: 20 });
  await seed.messages.finish(c2.id, { content: "", status: "incomplete", latencyMs: 30_000, errorCode: "engine_timeout", inputTokens: 10 });
  await seed.messages.finish(b1.id, { content: "b", status: "complete", latencyMs: 200, ttftMs: 20, inputTokens: 12, outputTokens: 5 });
  const feedback = await request("POST", "/api/v2/chat/feedback", { messageId: b1.id, score: 1 });
  assert.equal(feedback.status, 204);

  const results = await jsonOf<ResultsView>(request("GET", `/api/v2/ab/${created.id}/results`));
  assert.deepEqual(results, {
    experimentId: created.id,
    status: "running",
    variants: [
      {
        variant: "control",
        requests: 2,
        errors: 1,
        errorRate: 0.5,
        latencyMs: { mean: 15_200, p95: 30_000 },
        ttftMs: { mean: 40, p95: 40 },
        tokens: { input: 20, output: 20 },
        feedback: { mean: null, count: 0 },
      },
      {
        variant: "brief",
        requests: 1,
        errors: 0,
        errorRate: 0,
        latencyMs: { mean: 200, p95: 200 },
        ttftMs: { mean: 20, p95: 20 },
        tokens: { input: 12, output: 5 },
        feedback: { mean: 1, count: 1 },
      },
    ],
  });

  const stopped = await jsonOf<ExperimentView>(request("PATCH", `/api/v2/ab/${created.id}`, { status: "stopped" }));
  assert.equal(stopped.status, "stopped");
  await expectError(await request("PATCH", `/api/v2/ab/${created.id}`, { status: "running" }), 400, "invalid_request", "status");
  assert.equal((await jsonOf<ResultsView>(request("GET", `/api/v2/ab/${created.id}/results`))).status, "stopped");
});

test("unknown experiments are 404 not_found", async () => {
  const id = "0b7e6a4e-5d3c-4f1a-9e2b-8c7d6e5f4a3b";
  await expectError(await request("GET", `/api/v2/ab/${id}`), 404, "not_found");
  await expectError(await request("GET", "/api/v2/ab/not-an-id"), 404, "not_found");
  await expectError(await request("PATCH", `/api/v2/ab/${id}`, { status: "paused" }), 404, "not_found");
  await expectError(await request("GET", `/api/v2/ab/${id}/results`), 404, "not_found");
});

interface BadCase {
  name: string;
  body: unknown;
  param?: string;
}

let badCount = 0;
const ok = (extra: Record<string, unknown> = {}) => ({ name: `bad-${++badCount}`, variants, ...extra });
const badCreates: BadCase[] = [
  { name: "missing name", body: { variants }, param: "name" },
  { name: "empty name", body: ok({ name: "" }), param: "name" },
  { name: "missing variants", body: { name: "x" }, param: "variants" },
  { name: "no variants", body: ok({ variants: [] }), param: "variants" },
  { name: "eleven variants", body: ok({ variants: Array.from({ length: 11 }, (_, i) => ({ name: `v${i}`, weight: 1 })) }), param: "variants" },
  { name: "negative weight", body: ok({ variants: [{ name: "a", weight: -1 }] }), param: "variants.0.weight" },
  { name: "string weight", body: ok({ variants: [{ name: "a", weight: "1" }] }), param: "variants.0.weight" },
  { name: "missing weight", body: ok({ variants: [{ name: "a" }] }), param: "variants.0.weight" },
  { name: "all weights zero", body: ok({ variants: [{ name: "a", weight: 0 }, { name: "b", weight: 0 }] }), param: "variants" },
  { name: "duplicate variant names", body: ok({ variants: [{ name: "a", weight: 1 }, { name: "a", weight: 1 }] }), param: "variants" },
  { name: "unknown variant field", body: ok({ variants: [{ name: "a", weight: 1, engin: "vllm" }] }) },
  { name: "temperature out of range", body: ok({ variants: [{ name: "a", weight: 1, params: { temperature: 3 } }] }), param: "variants.0.params.temperature" },
  { name: "fractional maxTokens", body: ok({ variants: [{ name: "a", weight: 1, params: { maxTokens: 1.5 } }] }), param: "variants.0.params.maxTokens" },
  { name: "unknown param", body: ok({ variants: [{ name: "a", weight: 1, params: { seed: 1 } }] }) },
  { name: "bad status", body: ok({ status: "draft" }), param: "status" },
  { name: "bad assignBy", body: ok({ assignBy: "device" }), param: "assignBy" },
  { name: "unknown field", body: ok({ owner: "me" }) },
  { name: "not an object", body: [1, 2] },
];

for (const c of badCreates) {
  test(`POST /api/v2/ab with ${c.name} → 400 invalid_request`, async () => {
    await expectError(await request("POST", "/api/v2/ab", c.body), 400, "invalid_request", c.param);
  });
}

test("a taken name is 400 on name, and bad patches are 400", async () => {
  const first = await jsonOf<ExperimentView>(request("POST", "/api/v2/ab", { name: "taken", variants }));
  await expectError(await request("POST", "/api/v2/ab", { name: "taken", variants }), 400, "invalid_request", "name");
  await expectError(await request("PATCH", `/api/v2/ab/${first.id}`, { status: "finished" }), 400, "invalid_request", "status");
  await expectError(await request("PATCH", `/api/v2/ab/${first.id}`, { name: "renamed" }), 400, "invalid_request");
  await expectError(await request("PATCH", `/api/v2/ab/${first.id}`, { variants: [{ name: "a", weight: 0 }] }), 400, "invalid_request", "variants");
  assert.deepEqual(await jsonOf<ExperimentView>(request("GET", `/api/v2/ab/${first.id}`)), first, "nothing changed");
});
