import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { VariantResult } from "../../src/store/experiments.js";
import type { NewMessage } from "../../src/store/messages.js";
import { eachDialect } from "./eachDialect.js";

interface Served {
  variant: string;
  latencyMs?: number;
  ttftMs?: number;
  errorCode?: string;
  /** A client abort: incomplete, but not the variant's error. */
  aborted?: boolean;
  inputTokens?: number;
  outputTokens?: number;
  feedback?: number;
}

const empty = (variant: string): VariantResult => ({
  variant,
  requests: 0,
  errors: 0,
  errorRate: 0,
  latencyMs: { mean: null, p95: null },
  ttftMs: { mean: null, p95: null },
  tokens: { input: 0, output: 0 },
  feedback: { mean: null, count: 0 },
});

eachDialect("experiment results", (context) => {
  /** Writes each served answer the way the chat pipeline does: a placeholder on append, metrics on finish. */
  async function serve(experimentId: string, answers: Served[]): Promise<void> {
    const userId = `user-${randomUUID()}`;
    const session = await context.store.sessions.create({ userId });
    const appended = await context.store.messages.append(
      session.id,
      answers.flatMap((answer): NewMessage[] => [
        { role: "user", content: "q", status: "complete", experimentId, variant: answer.variant },
        { role: "assistant", content: "", status: "incomplete", experimentId, variant: answer.variant },
      ]),
    );
    const assistants = appended.filter((m) => m.role === "assistant");
    for (const [index, answer] of answers.entries()) {
      const message = assistants[index];
      assert.ok(message);
      await context.store.messages.finish(message.id, {
        content: "a",
        status: answer.errorCode !== undefined || answer.aborted ? "incomplete" : "complete",
        latencyMs: answer.latencyMs,
        ttftMs: answer.ttftMs,
        errorCode: answer.errorCode,
        inputTokens: answer.inputTokens,
        outputTokens: answer.outputTokens,
      });
      if (answer.feedback !== undefined) assert.equal(await context.store.messages.setFeedback(message.id, userId, answer.feedback), true);
    }
  }

  test("per-variant requests, errors, latency, TTFT, tokens and feedback", async () => {
    const experiment = await context.store.experiments.create({
      name: `results-${randomUUID()}`,
      variants: [
        { name: "a", weight: 2 },
        { name: "b", weight: 1 },
        { name: "unused", weight: 1 },
      ],
    });
    // a: 20 answers with latencies 100..2000 ms; TTFT on the first 10 (10..100 ms); 2 engine errors, 1 abort.
    const a: Served[] = Array.from({ length: 20 }, (_, i) => ({
      variant: "a",
      latencyMs: (i + 1) * 100,
      ...(i < 10 ? { ttftMs: (i + 1) * 10 } : {}),
      ...(i === 3 || i === 7 ? { errorCode: "engine_timeout" } : {}),
      ...(i === 11 ? { aborted: true } : {}),
      inputTokens: 10,
      outputTokens: i,
      ...(i < 3 ? { feedback: [1, -1, 5][i] } : {}),
    }));
    // b: one answer with no metrics at all, one with an error and nothing else.
    const b: Served[] = [{ variant: "b" }, { variant: "b", errorCode: "upstream_error", inputTokens: 7 }];
    // Served by a variant since removed from the experiment: still reported, after the configured ones.
    const removed: Served[] = [{ variant: "old", latencyMs: 5, ttftMs: 1, feedback: 4.5 }];
    await serve(experiment.id, [...a.slice(0, 10), ...b]);
    await serve(experiment.id, [...a.slice(10), ...removed]);
    // Another experiment's answers, with the same variant names, must not leak in.
    const other = await context.store.experiments.create({ name: `other-${randomUUID()}`, variants: [{ name: "a", weight: 1 }] });
    await serve(other.id, [{ variant: "a", latencyMs: 99_999, errorCode: "internal_error", feedback: -10 }]);

    const results = await context.store.experiments.results(experiment.id);
    assert.deepEqual(results, [
      {
        variant: "a",
        requests: 20,
        errors: 2,
        errorRate: 0.1,
        // Mean of 100..2000 is 1050; nearest-rank p95 of 20 values is the 19th: 1900.
        latencyMs: { mean: 1050, p95: 1900 },
        // Mean of 10..100 is 55; p95 of 10 values is the 10th: 100.
        ttftMs: { mean: 55, p95: 100 },
        tokens: { input: 200, output: 190 },
        feedback: { mean: 5 / 3, count: 3 },
      },
      { ...empty("b"), requests: 2, errors: 1, errorRate: 0.5, tokens: { input: 7, output: 0 } },
      empty("unused"),
      {
        ...empty("old"),
        requests: 1,
        latencyMs: { mean: 5, p95: 5 },
        ttftMs: { mean: 1, p95: 1 },
        feedback: { mean: 4.5, count: 1 },
      },
    ]);

    const [otherA] = await context.store.experiments.results(other.id);
    assert.equal(otherA?.requests, 1);
    assert.equal(otherA?.errorRate, 1);
    assert.deepEqual(otherA?.feedback, { mean: -10, count: 1 });
  });

  test("a fresh experiment reports zeros for every variant", async () => {
    const experiment = await context.store.experiments.create({
      name: `fresh-${randomUUID()}`,
      variants: [
        { name: "x", weight: 1 },
        { name: "y", weight: 0 },
      ],
    });
    assert.deepEqual(await context.store.experiments.results(experiment.id), [empty("x"), empty("y")]);
  });
});
