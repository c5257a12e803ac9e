/**
 * POST /v1/embeddings through a real gateway with authentication on, against two mock upstreams: the official
 * `openai` client gets exactly the upstream's vectors (float and base64), a 503 falls back to the next embedding
 * engine, bad bodies and unknown models get stable codes, API keys' allowedModels apply, and each request leaves
 * a priced ledger row.
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { mockEmbedding } from "../support/mockUpstreamWire.js";
import { startGateway, type TestGateway } from "../support/startGateway.js";
import type { ErrorBody } from "../support/apiTypes.js";
import type { UsageList } from "./usageTypes.js";

const ADMIN_KEY = "sy-embeddings-test-admin-key-0123456789abcdef";
const MODEL = "text-embedding-3-small";
let primary: MockUpstream;
let backup: MockUpstream;
let gateway: TestGateway;
let client: OpenAI;

const post = (path: string, body: unknown, token = ADMIN_KEY) =>
  fetch(`${gateway.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
const errorOf = async (response: Response) => ((await response.json()) as ErrorBody).error;

before(async () => {
  primary = await startMockUpstream();
  backup = await startMockUpstream();
  gateway = await startGateway({
    engines: [
      { name: "primary", type: "openai", baseUrl: primary.url, models: ["mock-model"], embeddingModels: [MODEL, "embed-small"], retry: { attempts: 0 } },
      { name: "backup", type: "openai", baseUrl: backup.url, embeddingModels: [MODEL], embeddingEncoding: "float", retry: { attempts: 0 } },
    ],
    routes: [
      { name: "embed", targets: [`primary/${MODEL}`, `backup/${MODEL}`] },
      { name: "chat", targets: ["primary/mock-model"] },
    ],
    embeddings: { engine: "embed", maxInputs: 4, maxInputBytes: 64 },
    pricing: { [`primary/${MODEL}`]: { input: 20 } },
    rateLimits: { enabled: false },
    auth: { mode: "keys", adminKey: ADMIN_KEY },
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: ADMIN_KEY, maxRetries: 0 });
});
after(async () => {
  await gateway.stop();
  await primary.close();
  await backup.close();
});
beforeEach(() => {
  primary.reset();
  backup.reset();
});

test("the openai client gets exactly the upstream's vectors as floats, with usage and the serving engine/model", async () => {
  const inputs = ["hello there", "a b c", "ünïcødé ✓"];
  const result = await client.embeddings.create({ model: `primary/${MODEL}`, input: inputs, encoding_format: "float" });
  assert.equal(result.object, "list");
  assert.equal(result.model, `primary/${MODEL}`);
  assert.deepEqual(
    result.data.map((item) => [item.object, item.index]),
    inputs.map((_, index) => ["embedding", index]),
  );
  assert.deepEqual(
    result.data.map((item) => item.embedding),
    inputs.map((input) => mockEmbedding(input)),
  );
  assert.deepEqual(result.usage, { prompt_tokens: 7, total_tokens: 7 });
  const sent = primary.requests[0];
  assert.equal(sent?.path, "/v1/embeddings");
  assert.deepEqual(sent?.body, { model: MODEL, input: inputs, encoding_format: "base64" }, "the engine asks the upstream for base64");
});

test("base64: the client's default decodes to the same vectors; the raw answer is little-endian float32", async () => {
  const decoded = await client.embeddings.create({ model: `primary/${MODEL}`, input: "one input", dimensions: 5 });
  assert.deepEqual(decoded.data[0]?.embedding, mockEmbedding("one input", 5));
  assert.equal(primary.requests[0]?.body.dimensions, 5);

  const response = await post("/v1/embeddings", { model: `primary/${MODEL}`, input: ["x"], encoding_format: "base64" });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { data: Array<{ embedding: string }> };
  const bytes = Buffer.from(body.data[0]?.embedding ?? "", "base64");
  const vector = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
  assert.deepEqual(vector, mockEmbedding("x"));
});

test("an upstream answering floats (embeddingEncoding: float) is passed on number for number", async () => {
  backup.script = () => ({ embedding: (_input, index) => [0.1, -0.2 * (index + 1), 1e-7] });
  const result = await client.embeddings.create({ model: `backup/${MODEL}`, input: ["p", "q"], encoding_format: "float" });
  assert.deepEqual(
    result.data.map((item) => item.embedding),
    [
      [0.1, -0.2, 1e-7],
      [0.1, -0.4, 1e-7],
    ],
  );
  assert.equal(backup.requests[0]?.body.encoding_format, "float");
});

test("a 503 from the first embedding engine falls back to the next; `auto` is the configured default route", async () => {
  primary.script = () => ({ status: 503 });
  for (const model of ["embed", "auto"]) {
    backup.reset();
    const result = await client.embeddings.create({ model, input: ["fallback"], encoding_format: "float" });
    assert.equal(result.model, `backup/${MODEL}`);
    assert.deepEqual(result.data[0]?.embedding, mockEmbedding("fallback"));
    assert.equal(backup.requests.length, 1);
  }
  assert.equal(primary.requests.length, 2, "the first target was tried each time");
});

test("a request fault is not retried elsewhere: an upstream 400 comes back as invalid_request", async () => {
  primary.script = () => ({ status: 400, errorMessage: "input is too long for this model" });
  const response = await post("/v1/embeddings", { model: "embed", input: "x" });
  assert.equal(response.status, 400);
  const error = await errorOf(response);
  assert.equal(error.code, "invalid_request");
  assert.match(error.message, /too long/);
  assert.equal(backup.requests.length, 0);
});

test("a malformed upstream answer is a 502 upstream_error", async () => {
  primary.script = () => ({ embeddingsBody: JSON.stringify({ object: "list", data: [{ index: 0, embedding: [1, 2] }] }) });
  const response = await post("/v1/embeddings", { model: `primary/${MODEL}`, input: ["a", "b"] });
  assert.equal(response.status, 502);
  assert.equal((await errorOf(response)).code, "upstream_error");
});

test("token arrays pass through to an openai engine", async () => {
  const result = await client.embeddings.create({ model: `primary/${MODEL}`, input: [[1, 2, 3], [4]], encoding_format: "float" });
  assert.deepEqual(primary.requests[0]?.body.input, [[1, 2, 3], [4]]);
  assert.deepEqual(result.data[1]?.embedding, mockEmbedding([4]));
  assert.equal(result.usage.prompt_tokens, 4);
});

test("unknown and non-embedding models are 404 not_found; an embedding route is no chat model", async () => {
  for (const model of ["no-such-model", "primary/mock-model", "backup/other", "chat"]) {
    const response = await post("/v1/embeddings", { model, input: "x" });
    const error = await errorOf(response);
    assert.equal(response.status, model === "chat" ? 400 : 404, `${model}: ${error.message}`);
    assert.equal(error.param, "model");
  }
  const ambiguous = await post("/v1/embeddings", { model: MODEL, input: "x" });
  assert.equal(ambiguous.status, 400, "a bare model served by two engines must be named with its engine");
  const chat = await post("/v1/chat/completions", { model: "embed", messages: [{ role: "user", content: "hi" }] });
  assert.equal(chat.status, 400);
  assert.match((await errorOf(chat)).message, /embeddings/);
  assert.equal(primary.requests.length + backup.requests.length, 0);
});

test("bad bodies get 400 invalid_request, too much input 413 payload_too_large", async () => {
  const cases: Array<[unknown, number, string]> = [
    [{ model: "embed" }, 400, "invalid_request"],
    [{ model: "embed", input: [] }, 400, "invalid_request"],
    [{ model: "embed", input: ["ok", ""] }, 400, "invalid_request"],
    [{ model: "embed", input: [[]] }, 400, "invalid_request"],
    [{ model: "embed", input: [1, "a"] }, 400, "invalid_request"],
    [{ model: "embed", input: "x", encoding_format: "hex" }, 400, "invalid_request"],
    [{ model: "embed", input: "x", dimensions: 0 }, 400, "invalid_request"],
    [{ model: "", input: "x" }, 400, "invalid_request"],
    [{ model: "embed", input: ["a", "b", "c", "d", "e"] }, 400, "invalid_request"],
    [{ model: "embed", input: ["x".repeat(65)] }, 413, "payload_too_large"],
  ];
  for (const [body, status, code] of cases) {
    const response = await post("/v1/embeddings", body);
    const error = await errorOf(response);
    assert.equal(response.status, status, `${JSON.stringify(body)}: ${error.message}`);
    assert.equal(error.code, code);
  }
  assert.equal(primary.requests.length + backup.requests.length, 0);
});

test("API keys' allowedModels apply to embedding models", async () => {
  const create = async (allowedModels: string[]) => {
    const response = await post("/api/v2/admin/keys", { name: "embedder", userId: "eve", allowedModels });
    assert.equal(response.status, 201);
    return ((await response.json()) as { key: string }).key;
  };
  const exact = await create([`primary/${MODEL}`]);
  assert.equal((await post("/v1/embeddings", { model: `primary/${MODEL}`, input: "x" }, exact)).status, 200);
  const refused = await post("/v1/embeddings", { model: "embed-small", input: "x" }, exact);
  assert.equal(refused.status, 403);
  assert.equal((await errorOf(refused)).code, "forbidden");
  assert.equal((await post("/v1/embeddings", { model: "embed", input: "x" }, exact)).status, 403);

  const engine = await create(["primary"]);
  assert.equal((await post("/v1/embeddings", { model: "embed-small", input: "x" }, engine)).status, 200, "a bare model counts as the engine serving it");
  assert.equal((await post("/v1/embeddings", { model: "auto", input: "x" }, engine)).status, 403);
  const route = await create(["embed"]);
  assert.equal((await post("/v1/embeddings", { model: "embed", input: "x" }, route)).status, 200);
});

test("each request leaves a ledger row with its input tokens and cost; failures too", async () => {
  const response = await post("/api/v2/admin/keys", { name: "ledger", userId: "lena" });
  const { id, key } = (await response.json()) as { id: string; key: string };
  assert.equal((await post("/v1/embeddings", { model: `primary/${MODEL}`, input: ["one two three", "four"] }, key)).status, 200);
  primary.script = () => ({ status: 500 });
  assert.equal((await post("/v1/embeddings", { model: `primary/${MODEL}`, input: ["x"] }, key)).status, 502);

  const usage = await fetch(`${gateway.url}/api/v2/admin/usage?keyId=${id}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  const { data } = (await usage.json()) as UsageList;
  const [failed, complete] = data;
  assert.equal(data.length, 2);
  assert.equal(complete?.status, "complete");
  assert.equal(complete?.engine, "primary");
  assert.equal(complete?.model, MODEL);
  assert.equal(complete?.route, `primary/${MODEL}`);
  assert.equal(complete?.inputTokens, 4);
  assert.equal(complete?.outputTokens, 0);
  assert.equal(complete?.costUsd, (4 * 20) / 1_000_000);
  assert.equal(failed?.status, "failed");
  assert.equal(failed?.errorCode, "upstream_error");
  assert.equal(failed?.costUsd, 0);
});

test("/v1/models lists the embedding models; engine metrics count embedding calls", async () => {
  const models = (await (await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { data: Array<{ id: string }> };
  const ids = models.data.map((model) => model.id);
  for (const id of ["primary/mock-model", `primary/${MODEL}`, "primary/embed-small", `backup/${MODEL}`, "embed"]) assert.ok(ids.includes(id), id);

  assert.equal((await post("/v1/embeddings", { model: "primary/embed-small", input: "count me" })).status, 200);
  const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
  assert.match(metrics, /llm_engine_requests_total\{engine="primary",model="embed-small",status="ok"\} [1-9]/);
  assert.match(metrics, /llm_engine_latency_seconds_count\{engine="primary",model="embed-small"\} [1-9]/);
});
