import { test } from "node:test";
import assert from "node:assert/strict";
import { createLocalEngine, type LocalEngine } from "../../../src/engines/local/createLocalEngine.js";
import type { StreamPart } from "../../../src/engines/spec.js";
import { isGatewayError } from "../../../src/errors.js";
import { storyRequest, tinyModelConfig } from "./localTestEngine.js";

const isAbortError = (error: unknown) => error instanceof Error && error.name === "AbortError";

async function loaded(maxConcurrency: number): Promise<LocalEngine> {
  const engine = createLocalEngine(tinyModelConfig({ maxConcurrency }));
  const status = await engine.whenLoaded();
  assert.equal(status.usable, true, status.reason);
  return engine;
}

/** Yields to the event loop until the condition holds; waits on progress, never on the clock. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; !condition(); turn++) {
    if (turn > 10_000) throw new Error("condition never held");
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test("six concurrent requests run at most two at a time and all complete", async () => {
  const engine = await loaded(2);
  try {
    let maxInFlight = 0;
    let maxQueued = 0;
    const sample = () => {
      const { inFlight, queued } = engine.status();
      maxInFlight = Math.max(maxInFlight, inFlight);
      maxQueued = Math.max(maxQueued, queued);
    };
    const results = await Promise.all(
      Array.from({ length: 6 }, async (_, index) => {
        const parts: StreamPart[] = [];
        for await (const part of engine.stream(storyRequest({ seed: index, maxTokens: 32 }), {
          signal: new AbortController().signal,
        })) {
          sample();
          parts.push(part);
        }
        return parts;
      }),
    );
    assert.ok(maxInFlight <= 2, `inFlight reached ${maxInFlight}`);
    assert.equal(maxInFlight, 2, "both slots were used");
    assert.ok(maxQueued > 0, "some requests waited");
    for (const parts of results) {
      assert.equal(parts.filter((p) => p.type === "finish").length, 1);
      assert.ok(parts.some((p) => p.type === "text-delta"));
    }
    assert.deepEqual(engine.status(), { usable: true, inFlight: 0, queued: 0 });
  } finally {
    await engine.close();
  }
});

test("a queued request whose signal aborts leaves the queue without running", async () => {
  const engine = await loaded(1);
  try {
    const running = engine.stream(storyRequest({ maxTokens: 400 }), { signal: new AbortController().signal });
    const runningParts = running[Symbol.asyncIterator]();
    const first = await runningParts.next();
    assert.equal(first.done, false);

    const controller = new AbortController();
    const queuedParts: StreamPart[] = [];
    const queued = (async () => {
      for await (const part of engine.stream(storyRequest(), { signal: controller.signal })) queuedParts.push(part);
    })();
    await until(() => engine.status().queued === 1);
    assert.equal(engine.status().inFlight, 1);

    controller.abort();
    await assert.rejects(queued, isAbortError);
    assert.equal(queuedParts.length, 0, "never produced output");
    assert.deepEqual(engine.status(), { usable: true, inFlight: 1, queued: 0 }, "left while the other still ran");

    let rest = 0;
    for (let next = await runningParts.next(); !next.done; next = await runningParts.next()) rest++;
    assert.ok(rest > 0, "the running request was unaffected");
    assert.deepEqual(engine.status(), { usable: true, inFlight: 0, queued: 0 });
  } finally {
    await engine.close();
  }
});

test("close() ends a running generation and a queued one, then refuses new work", async () => {
  const engine = await loaded(1);
  const running = engine.stream(storyRequest({ maxTokens: 1500 }), { signal: new AbortController().signal });
  const runningParts = running[Symbol.asyncIterator]();
  assert.equal((await runningParts.next()).done, false);
  const queued = (async () => {
    for await (const _ of engine.stream(storyRequest(), { signal: new AbortController().signal })) {
      assert.fail("the queued request must not run");
    }
  })();
  await until(() => engine.status().queued === 1);

  // Both outcomes are observed from the start: they settle in either order.
  const queuedOutcome = assert.rejects(queued, isAbortError);
  const closing = engine.close();
  assert.equal(engine.status().usable, false);
  await assert.rejects(runningParts.next(), isAbortError);
  await queuedOutcome;
  await closing;

  const status = engine.status();
  assert.equal(status.usable, false);
  assert.match(status.reason ?? "", /closed/);
  assert.equal(status.inFlight, 0);
  assert.equal(status.queued, 0);
  await assert.rejects(
    (async () => {
      for await (const _ of engine.stream(storyRequest(), { signal: new AbortController().signal })) break;
    })(),
    (error: unknown) => isGatewayError(error) && error.code === "engine_unavailable",
  );
});
