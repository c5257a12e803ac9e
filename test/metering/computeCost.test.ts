import { test } from "node:test";
import assert from "node:assert/strict";
import { computeCost, priceFor, worstCaseCost } from "../../src/metering/computeCost.js";
import { estimatePromptTokens, estimateTokens } from "../../src/metering/estimateTokens.js";

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

test("plain input and output tokens at their prices per million", () => {
  close(computeCost({ inputTokens: 1_000_000, outputTokens: 500_000, totalTokens: 1_500_000 }, { input: 0.2, output: 0.6 }), 0.2 + 0.3);
  close(computeCost({ inputTokens: 1234, outputTokens: 56, totalTokens: 1290 }, { input: 3, output: 15 }), (1234 * 3 + 56 * 15) / 1e6);
});

test("cached tokens are part of the input: billed once, at the cached rate", () => {
  const usage = { inputTokens: 1000, cachedInputTokens: 800, outputTokens: 100, totalTokens: 1100 };
  close(computeCost(usage, { input: 2, cachedInput: 0.5, output: 8 }), (200 * 2 + 800 * 0.5 + 100 * 8) / 1e6);
  // Without a cached price, cached tokens cost what any input token costs.
  close(computeCost(usage, { input: 2, output: 8 }), (1000 * 2 + 100 * 8) / 1e6);
});

test("reasoning tokens are part of the output: billed once, at the reasoning rate when there is one", () => {
  const usage = { inputTokens: 100, outputTokens: 1000, reasoningTokens: 600, totalTokens: 1100 };
  close(computeCost(usage, { input: 1, output: 4, reasoning: 10 }), (100 * 1 + 400 * 4 + 600 * 10) / 1e6);
  close(computeCost(usage, { input: 1, output: 4 }), (100 * 1 + 1000 * 4) / 1e6);
});

test("cached and reasoning together, as the race test's upstream reports them", () => {
  const usage = { inputTokens: 12, cachedInputTokens: 4, outputTokens: 100, reasoningTokens: 90, totalTokens: 112 };
  close(computeCost(usage, { input: 1, cachedInput: 0.5, output: 4, reasoning: 8 }), (8 + 2 + 40 + 720) / 1e6);
});

test("inconsistent counts are clamped, never negative", () => {
  const usage = { inputTokens: 10, cachedInputTokens: 50, outputTokens: 5, reasoningTokens: 9, totalTokens: 15 };
  close(computeCost(usage, { input: 1, cachedInput: 0.1, output: 2, reasoning: 3 }), (10 * 0.1 + 5 * 3) / 1e6);
});

test("a model without a price costs nothing", () => {
  assert.equal(computeCost({ inputTokens: 10, outputTokens: 10, totalTokens: 20 }, undefined), 0);
  assert.equal(priceFor({ "vllm/a": { input: 1, output: 1 } }, "vllm", "b"), undefined);
  assert.deepEqual(priceFor({ "vllm/a": { input: 1, output: 1 } }, "vllm", "a"), { input: 1, output: 1 });
});

test("the worst case assumes no cache hit and the dearer of output and reasoning", () => {
  close(worstCaseCost(100, 50, { input: 1, cachedInput: 0.1, output: 4, reasoning: 8 }), (100 + 50 * 8) / 1e6);
  close(worstCaseCost(100, 50, { input: 1, output: 4, reasoning: 2 }), (100 + 50 * 4) / 1e6);
  assert.equal(worstCaseCost(100, 50, undefined), 0);
});

test("token estimates: four UTF-8 bytes a token, plus framing per message and the tools' JSON", () => {
  assert.equal(estimateTokens(0), 0);
  assert.equal(estimateTokens(9), 3);
  assert.equal(estimatePromptTokens([{ role: "user", content: "hi" }]), 1 + 4);
  const tools = [{ type: "function" as const, function: { name: "lookup" } }];
  assert.equal(estimatePromptTokens([{ role: "user", content: "hi" }], tools), estimateTokens(2 + JSON.stringify(tools).length) + 4);
  assert.equal(estimatePromptTokens([{ role: "user", content: "é" }]), 1 + 4);
  assert.equal(estimatePromptTokens([{ role: "user", content: "日本語の" }]), 3 + 4);
});
