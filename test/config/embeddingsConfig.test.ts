/**
 * The embeddings configuration is checked against the engines and routes it names.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { configSchema } from "../../src/config/schema.js";

const openai = (name: string, fields: Record<string, unknown>) => ({ name, type: "openai", baseUrl: "http://127.0.0.1:9/v1", ...fields });
const engines = [openai("a", { models: ["chat"], embeddingModels: ["emb"] }), openai("b", { embeddingModels: ["emb"] }), { name: "l", type: "local", model: "x.gguf" }];
const issuesOf = (input: Record<string, unknown>) => {
  const result = configSchema.safeParse({ engines, ...input });
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
};

test("valid: an engine with only embedding models, an embedding route, defaults naming an engine or a route", () => {
  assert.deepEqual(issuesOf({ embeddings: { engine: "a", model: "emb" } }), []);
  assert.deepEqual(issuesOf({ embeddings: { engine: "b" } }), []);
  assert.deepEqual(issuesOf({ routes: [{ name: "r", targets: ["a/emb", "b/emb"] }], embeddings: { engine: "r" } }), []);
  const parsed = configSchema.parse({ engines, embeddings: { engine: "b" } });
  assert.deepEqual(parsed.embeddings, { engine: "b", maxInputs: 2048, maxInputBytes: 1_000_000 });
  assert.equal(parsed.engines[1]?.type === "openai" && parsed.engines[1].embeddingEncoding, "base64");
});

test("invalid: unknown or non-embedding defaults, mixed routes, engines serving nothing", () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ embeddings: { engine: "nope" } }, /embeddings\.engine: no engine or embedding route named "nope"/],
    [{ embeddings: { engine: "l" } }, /embeddings\.engine: engine "l" serves no embedding model/],
    [{ embeddings: { engine: "a", model: "chat" } }, /embeddings\.model: engine "a" serves no embedding model "chat"/],
    [{ embeddings: { model: "emb" } }, /embeddings\.model: embeddings\.model needs embeddings\.engine/],
    [{ routes: [{ name: "r", targets: ["a/chat", "a/emb"] }] }, /routes\.0\.targets: a route's targets are either all chat models or all embedding models/],
    [{ routes: [{ name: "r", targets: ["a/chat"] }], embeddings: { engine: "r" } }, /no engine or embedding route named "r"/],
    [{ routes: [{ name: "r", targets: ["b/emb"] }], embeddings: { engine: "r", model: "emb" } }, /route r chooses its own models/],
    [{ engines: [openai("c", {})] }, /engines\.0\.models: the engine serves no model/],
    [{ engines: [{ name: "l", type: "local", model: "x.gguf", embeddings: "sometimes" }] }, /engines\.0\.embeddings/],
  ];
  for (const [input, expected] of cases) {
    const issues = issuesOf(input);
    assert.ok(issues.some((issue) => expected.test(issue)), `${JSON.stringify(input)} gave ${JSON.stringify(issues)}`);
  }
});
