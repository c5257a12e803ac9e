/**
 * The in-process engine's embeddings with the real tiny model (stories260K, not an embedding model: its vectors
 * are the hidden state after the last input token, of the model's embedding size, 64), through the gateway.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startGateway, type TestGateway } from "../../support/startGateway.js";
import { tinyModelPath } from "../../support/tinyModel.js";
import { eventually } from "../../support/eventually.js";
import type { ErrorBody } from "../../support/apiTypes.js";

let gateway: TestGateway;
let client: OpenAI;
const post = (path: string, body: unknown) =>
  fetch(`${gateway.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

before(async () => {
  gateway = await startGateway({
    engines: [
      { name: "gguf", type: "local", model: tinyModelPath, contextSize: 256, embeddings: true },
      { name: "embedder", type: "local", model: tinyModelPath, modelName: "stories", contextSize: 64, embeddings: "only" },
    ],
    embeddings: { engine: "embedder" },
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
  await eventually(async () => (await fetch(`${gateway.url}/health/startup`)).status === 200, 20000, "the models to load");
});
after(() => gateway.stop());

test("vectors of the model's 64 dimensions, the same for the same input, different for another", async () => {
  const input = ["Once upon a time", "The cat sat on the mat", "Once upon a time"];
  const first = await client.embeddings.create({ model: "gguf/default", input, encoding_format: "float" });
  const again = await client.embeddings.create({ model: "gguf/default", input: input[0] ?? "", encoding_format: "float" });
  const vectors = first.data.map((item) => item.embedding);
  assert.equal(first.model, "gguf/default");
  assert.deepEqual(
    vectors.map((vector) => vector.length),
    [64, 64, 64],
  );
  assert.ok(vectors.every((vector) => vector.every(Number.isFinite) && vector.some((x) => x !== 0)));
  assert.deepEqual(vectors[2], vectors[0], "same input in one request");
  assert.deepEqual(again.data[0]?.embedding, vectors[0], "same input in another request");
  assert.notDeepEqual(vectors[1], vectors[0]);
  assert.ok(first.usage.prompt_tokens >= 6, "tokens counted by the model's tokenizer");

  const base64 = await client.embeddings.create({ model: "gguf/default", input: input[0] ?? "" });
  assert.deepEqual(base64.data[0]?.embedding, vectors[0]?.map((x) => Math.fround(x)), "base64 carries float32");
});

test("an embeddings-only engine serves /v1/embeddings and `auto`, but no chat", async () => {
  const result = await client.embeddings.create({ model: "auto", input: "Lily", encoding_format: "float" });
  assert.equal(result.model, "embedder/stories");
  assert.equal(result.data[0]?.embedding.length, 64);
  const chat = await post("/v1/chat/completions", { model: "embedder/stories", messages: [{ role: "user", content: "hi" }] });
  assert.equal(chat.status, 404);
  const models = (await (await fetch(`${gateway.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
  assert.deepEqual(
    models.data.map((model) => model.id),
    ["gguf/default", "embedder/stories"],
  );
});

test("what the local engine cannot do is a clear 400: token arrays, other dimensions, inputs longer than its context", async () => {
  const cases: Array<[unknown, string]> = [
    [{ model: "gguf/default", input: [[1, 2, 3]] }, "input"],
    [{ model: "gguf/default", input: "x", dimensions: 32 }, "dimensions"],
    [{ model: "embedder/stories", input: "word ".repeat(200) }, "input"],
  ];
  for (const [body, param] of cases) {
    const response = await post("/v1/embeddings", body);
    const { error } = (await response.json()) as ErrorBody;
    assert.equal(response.status, 400, error.message);
    assert.equal(error.code, "invalid_request");
    assert.equal(error.param, param);
  }
});
