import { test } from "node:test";
import assert from "node:assert/strict";
import { helloRequest, startOpenAIEngineFixture, streamAll } from "./openAIEngineFixture.js";

/**
 * Holds every upstream response until `expected` requests are open at the upstream, then lets them all go, so
 * the mock's high-water mark shows how many the engine had in flight at once.
 */
async function peakConcurrency(connections: number, streams: number, expected: number): Promise<number> {
  const { mock, engine, close } = await startOpenAIEngineFixture({ connections });
  try {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let arrivals = 0;
    mock.script = () => {
      if (++arrivals === expected) release();
      return { holdUntil: held, chunks: ["hi"] };
    };
    const results = Array.from({ length: streams }, () => streamAll(engine, helloRequest));
    assert.equal(engine.status().inFlight, streams, "every stream has started");
    for (const parts of await Promise.all(results)) assert.equal(parts.at(-1)?.type, "usage");
    assert.equal(mock.requests.length, streams);
    assert.equal(engine.status().inFlight, 0);
    return mock.maxInFlight;
  } finally {
    await close();
  }
}

test("five parallel streams are all open at the upstream at once when the pool allows it", async () => {
  assert.equal(await peakConcurrency(8, 5, 5), 5);
});

test("the engine's connection pool caps what is open at the upstream", async () => {
  assert.equal(await peakConcurrency(2, 5, 2), 2);
});
