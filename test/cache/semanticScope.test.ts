/**
 * The semantic cache's scope (which requests may share an answer) and the test embedding model the end-to-end
 * tests rely on: paraphrases score 1, near misses far below the default threshold, in either order.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { semanticScope, temperatureBand, type SemanticScopeInput } from "../../src/cache/semanticScope.js";
import type { ChatRequest } from "../../src/engines/spec.js";
import { cosine } from "../support/hashedEmbedding.js";
import { paraphraseEmbedding } from "../support/paraphraseEmbedding.js";

const question = (content: string, rest: Partial<Omit<ChatRequest, "model">> = {}): Omit<ChatRequest, "model"> => ({
  messages: [{ role: "system", content: "You are terse." }, { role: "user", content }],
  ...rest,
});
const scopeOf = (input: Partial<SemanticScopeInput> & { request: Omit<ChatRequest, "model"> }) => {
  const scope = semanticScope({ tenant: "alice", route: "faq", multiTurn: false, ...input });
  assert.ok(scope.eligible, `eligible: ${JSON.stringify(scope)}`);
  return scope;
};

test("the scope holds everything but the last user message, which is the text embedded", () => {
  const base = scopeOf({ request: question("What is the capital of France?") });
  assert.equal(base.text, "What is the capital of France?");
  assert.match(base.scope, /^[0-9a-f]{64}$/);
  assert.equal(scopeOf({ request: question("something else entirely") }).scope, base.scope, "the question is not in the scope");
  const differing: Array<[string, Partial<SemanticScopeInput> & { request: Omit<ChatRequest, "model"> }]> = [
    ["tenant", { tenant: "bob", request: question("q") }],
    ["route", { route: "other", request: question("q") }],
    ["system prompt", { request: { messages: [{ role: "system", content: "You are verbose." }, { role: "user", content: "q" }] } }],
    ["no system prompt", { request: { messages: [{ role: "user", content: "q" }] } }],
    ["tools", { request: question("q", { tools: [{ type: "function", function: { name: "lookup" } }] }) }],
    ["tool choice", { request: question("q", { toolChoice: "none" }) }],
    ["temperature band", { request: question("q", { temperature: 0.7 }) }],
    ["max tokens", { request: question("q", { maxTokens: 10 }) }],
    ["stop", { request: question("q", { stop: ["\n"] }) }],
    ["passed-through fields", { request: question("q", { extra: { response_format: { type: "json_object" } } }) }],
  ];
  for (const [what, input] of differing) assert.notEqual(scopeOf(input).scope, base.scope, `${what} changes the scope`);
  // Within a band, and with fields in another order, the scope is the same.
  assert.equal(scopeOf({ request: question("q", { temperature: 0.2 }) }).scope, scopeOf({ request: question("q", { temperature: 0.5 }) }).scope);
  assert.equal(
    scopeOf({ request: question("q", { extra: { a: 1, b: { c: 2, d: 3 } } }) }).scope,
    scopeOf({ request: question("q", { extra: { b: { d: 3, c: 2 }, a: 1 } }) }).scope,
  );
  // Top-p and seed only steer sampling, like a temperature within its band.
  assert.equal(scopeOf({ request: question("q", { topP: 0.9, seed: 7 }) }).scope, base.scope);
});

test("temperature bands: 0, (0, 0.5], (0.5, 1], above 1, and unset on its own", () => {
  assert.deepEqual(
    [undefined, 0, 0.01, 0.5, 0.51, 1, 1.2, 2].map(temperatureBand),
    ["unset", "0", "(0,0.5]", "(0,0.5]", "(0.5,1]", "(0.5,1]", ">1", ">1"],
  );
});

test("only single-turn text requests are eligible unless multiTurn, which hashes the conversation into the scope", () => {
  const conversation = (earlier: string): Omit<ChatRequest, "model"> => ({
    messages: [
      { role: "system", content: "s" },
      { role: "user", content: earlier },
      { role: "assistant", content: "Paris." },
      { role: "user", content: "and its population?" },
    ],
  });
  assert.deepEqual(semanticScope({ tenant: "t", route: "r", multiTurn: false, request: conversation("capital of France?") }), { eligible: false, reason: "multi-turn" });
  const first = scopeOf({ multiTurn: true, request: conversation("capital of France?") });
  assert.equal(first.text, "and its population?");
  assert.equal(scopeOf({ multiTurn: true, request: conversation("capital of France?") }).scope, first.scope);
  assert.notEqual(scopeOf({ multiTurn: true, request: conversation("capital of Spain?") }).scope, first.scope);
  assert.equal(scopeOf({ multiTurn: true, request: question("q") }).scope, scopeOf({ request: question("q") }).scope, "a single turn is the same either way");

  const ineligible: Array<[Omit<ChatRequest, "model">, string]> = [
    [{ messages: [{ role: "user", content: "q" }, { role: "assistant", content: "a" }] }, "no-user-turn"],
    [{ messages: [] }, "no-user-turn"],
    [{ messages: [{ role: "user", content: "what is this?", images: [{ mediaType: "image/png", data: "AAAA" }] }] }, "images"],
    [{ messages: [{ role: "user", content: "   " }] }, "empty"],
    [{ messages: [{ role: "user", content: null }] }, "empty"],
  ];
  for (const [request, reason] of ineligible) assert.deepEqual(semanticScope({ tenant: "t", route: "r", multiTurn: true, request }), { eligible: false, reason });
});

const score = (a: string, b: string) => cosine(paraphraseEmbedding(a), paraphraseEmbedding(b));

test("the test embedder: paraphrases meet the default threshold, near misses fall far below it, either way round", () => {
  const paraphrases: Array<[string, string]> = [
    ["What is the capital of France?", "what's the capital city of France"],
    ["How do I reset my password?", "how can I reset my password"],
    ["convert 5 km to miles", "Convert 5 kilometers into miles"],
  ];
  for (const [a, b] of paraphrases) {
    assert.ok(score(a, b) >= 0.95, `${a} / ${b}: ${score(a, b)}`);
    assert.ok(score(b, a) >= 0.95, `${b} / ${a}: ${score(b, a)}`);
  }
  const nearMisses: Array<[string, string]> = [
    ["convert 5 km to miles", "convert 50 km to miles"],
    ["is it safe to swim in the lake?", "is it not safe to swim in the lake?"],
    ["What is the capital of France?", "What is the capital of Spain?"],
  ];
  for (const [a, b] of nearMisses) {
    assert.ok(score(a, b) < 0.6, `${a} / ${b}: ${score(a, b)}`);
    assert.ok(score(b, a) < 0.6, `${b} / ${a}: ${score(b, a)}`);
  }
  // A question with one more word: below 0.95, above 0.8 (the end-to-end tests' lower route threshold).
  assert.equal(score("What is the capital of France?", "What is the capital of France today?").toFixed(4), "0.8165");
});
