/**
 * The shared contract every engine adapter runs. A factory returns a fresh engine plus a request that engine
 * can answer with a normal, non-trivial completion.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ChatRequest, Engine, StreamPart } from "../../src/engines/spec.js";
import { collectStream } from "../../src/engines/collectStream.js";

export interface EngineContractSubject {
  engine: Engine;
  request: ChatRequest;
  /** Called after each test; releases whatever the factory started. */
  dispose(): Promise<void>;
}

export function runEngineContract(label: string, make: () => Promise<EngineContractSubject>): void {
  const withSubject = (name: string, body: (subject: EngineContractSubject) => Promise<void>) =>
    // Only registers the case: the runner awaits it, as it does a top-level test().
    void test(`${label} contract: ${name}`, async () => {
      const subject = await make();
      try {
        await body(subject);
      } finally {
        await subject.dispose();
      }
    });

  withSubject("is usable and names its models", async ({ engine }) => {
    assert.equal(engine.status().usable, true);
    assert.ok(engine.models.length > 0);
    assert.equal(typeof engine.name, "string");
  });

  withSubject("streams text, one finish and consistent usage", async ({ engine, request }) => {
    const parts: StreamPart[] = [];
    for await (const part of engine.stream(request, { signal: new AbortController().signal })) parts.push(part);
    const deltas = parts.filter((p) => p.type === "text-delta");
    assert.ok(deltas.length > 0, "at least one text-delta");
    const finishes = parts.filter((p) => p.type === "finish");
    assert.equal(finishes.length, 1, "exactly one finish");
    const usage = parts.find((p) => p.type === "usage");
    assert.ok(usage && usage.type === "usage", "a usage part");
    assert.ok(usage.usage.inputTokens > 0);
    assert.ok(usage.usage.outputTokens > 0);
    assert.equal(usage.usage.totalTokens, usage.usage.inputTokens + usage.usage.outputTokens);
    assert.ok(!parts.some((p) => p.type === "error"));
  });

  withSubject("a collected stream equals the joined deltas", async ({ engine, request }) => {
    const collected = await collectStream(engine.stream(request, { signal: new AbortController().signal }));
    assert.ok(collected.text.length > 0);
    assert.ok(collected.finishReason);
  });

  withSubject("an aborted signal ends the stream with an AbortError", async ({ engine, request }) => {
    const controller = new AbortController();
    let seen = 0;
    await assert.rejects(
      (async () => {
        for await (const part of engine.stream(request, { signal: controller.signal })) {
          if (part.type === "text-delta" && ++seen === 1) controller.abort();
        }
      })(),
      (error: Error) => error.name === "AbortError",
    );
    assert.equal(seen, 1, "no text after the abort");
    assert.equal(engine.status().inFlight, 0, "nothing left running after an abort");
  });

  withSubject("an already-aborted signal rejects before any output", async ({ engine, request }) => {
    const controller = new AbortController();
    controller.abort();
    const parts: StreamPart[] = [];
    await assert.rejects(
      (async () => {
        for await (const part of engine.stream(request, { signal: controller.signal })) parts.push(part);
      })(),
      (error: Error) => error.name === "AbortError",
    );
    assert.equal(parts.length, 0);
  });
}
