/**
 * The contract every rate-limit counter store runs (memory, and Redis on a real server): fixed windows per key
 * that open with the first add and do not slide, counters apart by name, points given back (below zero too),
 * concurrent adds all counted, windows that end. Stores may answer at once or with a promise; the contract
 * awaits either. Memory runs it on fake timers and minute windows, exactly; Redis on its own clock, with
 * one-second windows and real waits (the only place a test waits for time to pass), so its figures are held to
 * within the subject's slack.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { CounterStore, WindowUse } from "../../src/limits/windowCounter.js";

export interface CounterStoreSubject {
  store: CounterStore;
  /** The windows the contract's counters use: a minute on a fake clock, a second where time is real. */
  windowSeconds: number;
  /** Moves the store's clock on (fake timers for memory, a real wait for Redis). */
  advance(ms: number): Promise<void>;
  /** How far a reported resetMs may be from the exact figure: 0 on a fake clock, the calls' and waits' own time on a real one. */
  slackMs: number;
  dispose(): Promise<void>;
}

export function runCounterStoreContract(label: string, make: () => Promise<CounterStoreSubject>): void {
  const withSubject = (name: string, body: (subject: CounterStoreSubject & { windowMs: number }) => Promise<void>) =>
    // Only registers the case: the runner awaits it, as it does a top-level test().
    void test(`${label} counter store: ${name}`, async () => {
      const subject = await make();
      try {
        await body({ ...subject, windowMs: subject.windowSeconds * 1000 });
      } finally {
        await subject.dispose();
      }
    });

  const assertUse = (actual: WindowUse, expected: WindowUse, slackMs: number, what: string) => {
    assert.equal(actual.consumed, expected.consumed, `${what}: consumed`);
    assert.ok(Math.abs(actual.resetMs - expected.resetMs) <= slackMs, `${what}: resetMs ${actual.resetMs}, expected ${expected.resetMs} (±${slackMs})`);
  };

  withSubject("an unknown key has used nothing and a whole window ahead", async ({ store, windowSeconds, windowMs }) => {
    const counter = store({ name: "contract:a", windowSeconds });
    assert.deepEqual(await counter.read("nobody"), { consumed: 0, resetMs: windowMs });
  });

  withSubject("points add up within a window that started with the first", async ({ store, advance, windowSeconds, windowMs, slackMs }) => {
    const counter = store({ name: "contract:b", windowSeconds });
    assertUse(await counter.add("k", 1), { consumed: 1, resetMs: windowMs }, slackMs, "first add");
    const third = Math.round(windowMs / 3);
    await advance(third);
    // The window is where the first add put it: a later add neither moves nor lengthens it.
    assertUse(await counter.add("k", 5), { consumed: 6, resetMs: windowMs - third }, slackMs, "second add");
    assertUse(await counter.read("k"), { consumed: 6, resetMs: windowMs - third }, slackMs, "read");
  });

  withSubject("negative points give back", async ({ store, windowSeconds }) => {
    const counter = store({ name: "contract:c", windowSeconds });
    await counter.add("k", 3);
    assert.equal((await counter.add("k", -1)).consumed, 2);
    assert.equal((await counter.read("k")).consumed, 2);
  });

  withSubject("points given back with no window open open one below zero", async ({ store, windowSeconds, windowMs, slackMs }) => {
    // What both RateLimiterMemory and RateLimiterRedis did, and the stores keep alike: a refused request's
    // give-back that lands just after its window ended costs the next window nothing but starts it at -1.
    const counter = store({ name: "contract:f", windowSeconds });
    assertUse(await counter.add("k", -1), { consumed: -1, resetMs: windowMs }, slackMs, "give-back");
    assert.equal((await counter.add("k", 1)).consumed, 0);
  });

  withSubject("keys and counter names are apart", async ({ store, windowSeconds }) => {
    const one = store({ name: "contract:d1", windowSeconds });
    const two = store({ name: "contract:d2", windowSeconds });
    await one.add("k", 2);
    await one.add("other", 7);
    await two.add("k", 5);
    assert.equal((await one.read("k")).consumed, 2);
    assert.equal((await one.read("other")).consumed, 7);
    assert.equal((await two.read("k")).consumed, 5);
    assert.equal((await two.read("other")).consumed, 0);
  });

  withSubject("concurrent adds on one key are all counted, each seeing its own count", async ({ store, windowSeconds }) => {
    const counter = store({ name: "contract:g", windowSeconds });
    const taken = await Promise.all(Array.from({ length: 50 }, async () => counter.add("k", 1)));
    assert.deepEqual(
      taken.map((use) => use.consumed).sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    await Promise.all(Array.from({ length: 20 }, async () => counter.add("k", -1)));
    assert.equal((await counter.read("k")).consumed, 30);
  });

  withSubject("a window ends when its time is up, whatever was added late in it, and the next starts from zero", async ({ store, advance, windowSeconds, windowMs, slackMs }) => {
    const counter = store({ name: "contract:e", windowSeconds });
    await counter.add("k", 4);
    const late = Math.round((windowMs * 2) / 3);
    await advance(late);
    assertUse(await counter.add("k", 1), { consumed: 5, resetMs: windowMs - late }, slackMs, "late add");
    await advance(windowMs - late + slackMs + 1);
    assert.deepEqual(await counter.read("k"), { consumed: 0, resetMs: windowMs });
    assertUse(await counter.add("k", 1), { consumed: 1, resetMs: windowMs }, slackMs, "next window");
  });
}
