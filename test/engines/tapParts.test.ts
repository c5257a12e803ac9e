import { test } from "node:test";
import assert from "node:assert/strict";
import { tapParts } from "../../src/engines/tapParts.js";

interface Seen {
  parts: number[];
  ends: Array<{ completed: boolean; error?: unknown }>;
  events: string[];
}

function watch(source: AsyncIterable<number>): { tapped: AsyncIterableIterator<number>; seen: Seen } {
  const seen: Seen = { parts: [], ends: [], events: [] };
  const tapped = tapParts(source, {
    part: (value) => void seen.parts.push(value),
    end(completed, error) {
      seen.events.push("end");
      seen.ends.push(error === undefined ? { completed } : { completed, error });
    },
  });
  return { tapped, seen };
}

async function* numbers(n: number, events: string[] = [], failAt?: number): AsyncGenerator<number> {
  try {
    for (let i = 0; i < n; i++) {
      if (i === failAt) throw new Error(`failed at ${i}`);
      yield i;
    }
  } finally {
    events.push("source finally");
  }
}

test("passes every part through unchanged and ends once, completed", async () => {
  const { tapped, seen } = watch(numbers(4));
  const out: number[] = [];
  for await (const value of tapped) out.push(value);
  assert.deepEqual(out, [0, 1, 2, 3]);
  assert.deepEqual(seen.parts, [0, 1, 2, 3]);
  assert.deepEqual(seen.ends, [{ completed: true }]);
  assert.deepEqual(await tapped.next(), { done: true, value: undefined }, "an ended tap stays ended");
  assert.equal(seen.ends.length, 1);
});

test("a source that throws ends the tap with the error, and the consumer sees the same error", async () => {
  const { tapped, seen } = watch(numbers(4, [], 2));
  const out: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const value of tapped) out.push(value);
    })(),
    /failed at 2/,
  );
  assert.deepEqual(out, [0, 1]);
  assert.equal(seen.ends.length, 1);
  assert.equal(seen.ends[0]?.completed, false);
  assert.match(String(seen.ends[0]?.error), /failed at 2/);
});

test("a consumer that stops early closes the source first, then ends the tap (not completed)", async () => {
  const { tapped, seen } = watch(numbers(10, [] as string[]));
  const events = seen.events;
  const source = numbers(10, events);
  const second = watch(source);
  for await (const value of second.tapped) if (value === 1) break;
  assert.deepEqual(second.seen.parts, [0, 1]);
  assert.deepEqual(second.seen.ends, [{ completed: false }]);
  assert.deepEqual(events, ["source finally"], "the source's finally ran");
  assert.deepEqual(second.seen.events, ["end"]);
  // Untouched taps never started their source and end nothing.
  assert.deepEqual(seen.ends, []);
  await tapped.return?.();
  assert.deepEqual(seen.ends, [{ completed: false }]);
});

test("a source whose next() throws synchronously still ends the tap", async () => {
  const broken: AsyncIterable<number> = {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        throw new Error("sync failure");
      },
    }),
  };
  const { tapped, seen } = watch(broken);
  await assert.rejects(tapped.next(), /sync failure/);
  assert.equal(seen.ends.length, 1);
  assert.equal(seen.ends[0]?.completed, false);
});
