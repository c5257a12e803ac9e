/**
 * The contract every rate-limit counter store runs (memory now, Redis with the scale work): fixed windows per
 * key, counters apart by name, points given back, windows that end.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { CounterStore } from "../../src/limits/windowCounter.js";

export interface CounterStoreSubject {
  store: CounterStore;
  /** Moves the store's clock on (fake timers for memory). */
  advance(ms: number): Promise<void>;
  dispose(): Promise<void>;
}

export function runCounterStoreContract(label: string, make: () => Promise<CounterStoreSubject>): void {
  const withSubject = (name: string, body: (subject: CounterStoreSubject) => Promise<void>) =>
    test(`${label} counter store: ${name}`, async () => {
      const subject = await make();
      try {
        await body(subject);
      } finally {
        await subject.dispose();
      }
    });

  withSubject("an unknown key has used nothing and a whole window ahead", async ({ store }) => {
    const counter = store({ name: "contract:a", windowSeconds: 60 });
    assert.deepEqual(await counter.read("nobody"), { consumed: 0, resetMs: 60_000 });
  });

  withSubject("points add up within a window that started with the first", async ({ store, advance }) => {
    const counter = store({ name: "contract:b", windowSeconds: 60 });
    assert.deepEqual(await counter.add("k", 1), { consumed: 1, resetMs: 60_000 });
    await advance(20_000);
    const second = await counter.add("k", 5);
    assert.equal(second.consumed, 6);
    assert.equal(second.resetMs, 40_000);
    assert.deepEqual(await counter.read("k"), { consumed: 6, resetMs: 40_000 });
  });

  withSubject("negative points give back", async ({ store }) => {
    const counter = store({ name: "contract:c", windowSeconds: 60 });
    await counter.add("k", 3);
    assert.equal((await counter.add("k", -1)).consumed, 2);
  });

  withSubject("keys and counter names are apart", async ({ store }) => {
    const one = store({ name: "contract:d1", windowSeconds: 60 });
    const two = store({ name: "contract:d2", windowSeconds: 60 });
    await one.add("k", 2);
    await one.add("other", 7);
    await two.add("k", 5);
    assert.equal((await one.read("k")).consumed, 2);
    assert.equal((await two.read("k")).consumed, 5);
  });

  withSubject("a window ends and the next starts from zero", async ({ store, advance }) => {
    const counter = store({ name: "contract:e", windowSeconds: 60 });
    await counter.add("k", 4);
    await advance(60_001);
    assert.equal((await counter.read("k")).consumed, 0);
    assert.deepEqual(await counter.add("k", 1), { consumed: 1, resetMs: 60_000 });
  });
}
