/**
 * The shared contract every engine adapter runs. A factory returns a fresh engine plus a request that engine
 * can answer with a normal, non-trivial completion, and, for an engine with an upstream, the faults its mock can
 * play in that upstream's wire format (rate limiting, a cut connection, a malformed event).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ChatRequest, Engine, StreamPart } from "../../src/engines/spec.js";
import { collectStream } from "../../src/engines/collectStream.js";
import { isGatewayError } from "../../src/errors.js";

export interface EngineContractSubject {
  engine: Engine;
  request: ChatRequest;
  /** Called after each test; releases whatever the factory started. */
  dispose(): Promise<void>;
  /** For engines with an upstream: make its mock misbehave on the next call, in the upstream's own wire format. */
  faults?: UpstreamFaults;
}

export interface UpstreamFaults {
  /** Refuse the call as the provider rate-limits (429, or 529 for an overloaded Anthropic), with this Retry-After. */
  rateLimited(retryAfterSeconds: number): void;
  /** Send some text, then cut the connection before the answer's end. */
  cutAfterText(): void;
  /** Send some text, then an event that is not valid JSON. */
  malformedAfterText(): void;
}

export interface EngineContractOptions {
  /** The engine has an upstream, and its subjects bring `faults`: the fault cases run too. */
  upstream?: boolean;
}

export function runEngineContract(label: string, make: () => Promise<EngineContractSubject>, options: EngineContractOptions = {}): void {
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

  // An engine without an upstream (in process) has no wire to misbehave: its contract has no fault cases.
  const withFaults = (name: string, body: (subject: EngineContractSubject, faults: UpstreamFaults) => Promise<void>) => {
    if (options.upstream !== true) return;
    withSubject(name, async (subject) => {
      assert.ok(subject.faults, "an upstream engine's subject brings its mock's faults");
      await body(subject, subject.faults);
    });
  };

  withFaults("a rate-limited upstream is a retryable engine_overloaded with its Retry-After, before any part", async ({ engine, request }, faults) => {
    faults.rateLimited(7);
    const parts: StreamPart[] = [];
    await assert.rejects(
      (async () => {
        for await (const part of engine.stream(request, { signal: new AbortController().signal })) parts.push(part);
      })(),
      (error: unknown) => {
        assert.ok(isGatewayError(error), String(error));
        assert.equal(error.code, "engine_overloaded");
        assert.equal(error.retryable, true);
        assert.equal(error.retryAfterSeconds, 7);
        return true;
      },
    );
    assert.equal(parts.length, 0);
    assert.equal(engine.status().inFlight, 0);
  });

  const endsInFailure = async (engine: Engine, request: ChatRequest) => {
    const parts: StreamPart[] = [];
    let thrown: unknown;
    try {
      for await (const part of engine.stream(request, { signal: new AbortController().signal })) parts.push(part);
    } catch (error) {
      thrown = error;
    }
    assert.ok(parts.some((part) => part.type === "text-delta"), "the text before the fault arrived");
    assert.ok(!parts.some((part) => part.type === "finish"), "never a clean finish");
    const failure = thrown ?? parts.find((part) => part.type === "error")?.error;
    assert.ok(isGatewayError(failure), `a GatewayError ends it (got ${failure instanceof Error ? failure.message : typeof failure})`);
    assert.equal(failure.code, "upstream_error");
    assert.equal(engine.status().inFlight, 0);
  };

  withFaults("a connection cut mid-stream ends in an upstream_error, never a clean finish", async ({ engine, request }, faults) => {
    faults.cutAfterText();
    await endsInFailure(engine, request);
  });

  withFaults("a malformed event mid-stream ends in an upstream_error, never a clean finish", async ({ engine, request }, faults) => {
    faults.malformedAfterText();
    await endsInFailure(engine, request);
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
