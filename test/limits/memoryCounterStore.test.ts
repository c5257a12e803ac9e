import { mock, test } from "node:test";
import assert from "node:assert/strict";
import { createMemoryCounterStore, memoryCounterStore } from "../../src/limits/memoryCounterStore.js";
import type { CounterStore } from "../../src/limits/windowCounter.js";
import { runCounterStoreContract } from "./counterStoreContract.js";

runCounterStoreContract("memory", async () => {
  mock.timers.enable({ apis: ["Date", "setTimeout"], now: 1_700_000_000_000 });
  return {
    store: memoryCounterStore,
    windowSeconds: 60,
    slackMs: 0,
    async advance(ms) {
      mock.timers.tick(ms);
    },
    async dispose() {
      mock.timers.reset();
    },
  };
});

const clockAt = (start: number) => {
  let at = start;
  return { now: () => at, advance: (ms: number) => (at += ms) };
};

test("memory counter store: answers synchronously, not with a promise", () => {
  const store: CounterStore = memoryCounterStore;
  const counter = store({ name: "sync", windowSeconds: 60 });
  const added = counter.add("k", 2);
  const read = counter.read("k");
  assert.ok(!(added instanceof Promise) && !(read instanceof Promise));
  assert.equal(read.consumed, 2);
});

test("memory counter store: the window's last millisecond is its own, the next one starts afresh", () => {
  const clock = clockAt(1_000);
  const counter = createMemoryCounterStore(clock.now)({ name: "edge", windowSeconds: 1 });
  counter.add("k", 3);
  clock.advance(999);
  assert.deepEqual(counter.read("k"), { consumed: 3, resetMs: 1 });
  assert.deepEqual(counter.add("k", 1), { consumed: 4, resetMs: 1 });
  clock.advance(1);
  assert.deepEqual(counter.read("k"), { consumed: 0, resetMs: 1000 });
  assert.deepEqual(counter.add("k", 1), { consumed: 1, resetMs: 1000 });
});

test("memory counter store: idle keys are swept, so a counter holds only its recent windows", () => {
  const clock = clockAt(0);
  const counter = createMemoryCounterStore(clock.now)({ name: "sweep", windowSeconds: 60 });
  for (let i = 0; i < 10_000; i++) counter.add(`idle-${i}`, 1);
  assert.equal(counter.held(), 10_000);
  clock.advance(30_000);
  counter.add("busy", 1);
  assert.equal(counter.held(), 10_001, "nothing has ended yet");
  clock.advance(30_000);
  // The idle windows ended; the first add of the next window length drops them all.
  counter.add("busy", 1);
  assert.equal(counter.held(), 1);
  assert.equal(counter.read("busy").consumed, 2, "busy's window, opened later, is still open");
  // A read of an ended window forgets it at once.
  clock.advance(60_000);
  counter.read("busy");
  assert.equal(counter.held(), 0);
});
