/**
 * The semantic cache's configuration: a route opts in, cache.semantic holds the defaults, and a route that opts in
 * without an embedding target to embed with is refused.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { configSchema } from "../../src/config/schema.js";

const engines = [{ name: "a", type: "openai", baseUrl: "http://127.0.0.1:9/v1", models: ["chat"], embeddingModels: ["emb"] }];
const issuesOf = (input: Record<string, unknown>) => {
  const result = configSchema.safeParse({ engines, ...input });
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
};

test("defaults: off on every route; cache.semantic's values fill what a route's block leaves out", () => {
  const config = configSchema.parse({ engines, embeddings: { engine: "a" }, routes: [{ name: "faq", targets: ["a/chat"], semanticCache: {} }, { name: "plain", targets: ["a/chat"] }] });
  assert.deepEqual(config.routes[0]?.semanticCache, { enabled: true });
  assert.equal(config.routes[1]?.semanticCache, undefined);
  assert.deepEqual(config.cache.semantic, { threshold: 0.95, ttlSeconds: 3600, multiTurn: false, maxCandidates: 1000, embeddingTimeoutMs: 2000, purgeIntervalSeconds: 300 });
  assert.equal(config.cache.enabled, false, "independent of the exact cache");
});

test("refused: a route that opts in without embeddings.engine, thresholds outside (0, 1], unknown fields", () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ routes: [{ name: "faq", targets: ["a/chat"], semanticCache: {} }] }, /routes\.0\.semanticCache: the semantic cache embeds requests with the default embedding target: set embeddings\.engine/],
    [{ embeddings: { engine: "a" }, routes: [{ name: "faq", targets: ["a/chat"], semanticCache: { threshold: 0 } }] }, /routes\.0\.semanticCache\.threshold/],
    [{ embeddings: { engine: "a" }, routes: [{ name: "faq", targets: ["a/chat"], semanticCache: { threshold: 1.5 } }] }, /routes\.0\.semanticCache\.threshold/],
    [{ embeddings: { engine: "a" }, routes: [{ name: "faq", targets: ["a/chat"], semanticCache: { treshold: 0.9 } }] }, /routes\.0\.semanticCache/],
    [{ cache: { semantic: { maxCandidates: 0 } } }, /cache\.semantic\.maxCandidates/],
    [{ cache: { semantic: { ttl: 5 } } }, /cache\.semantic/],
  ];
  for (const [input, expected] of cases) {
    const issues = issuesOf(input);
    assert.ok(issues.some((issue) => expected.test(issue)), `${JSON.stringify(input)} gave ${JSON.stringify(issues)}`);
  }
  // Switched off, a route's block needs no embedding target.
  assert.deepEqual(issuesOf({ routes: [{ name: "faq", targets: ["a/chat"], semanticCache: { enabled: false, threshold: 0.9 } }] }), []);
});
