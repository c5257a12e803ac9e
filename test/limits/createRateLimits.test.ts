/**
 * The limiter itself, with crafted principals and fake clocks: exact counts, the wait a refused request is told,
 * per-key overrides, per-user limits across keys, classes apart, and tokens per minute. Every case runs over the
 * memory store (every answer synchronous), over the same counters behind promises (as Redis answers), and over
 * a mix of both, so the synchronous and the waiting paths of the limiters are held to the same behaviour.
 */
import { test as nodeTest, mock, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { rateLimitsSchema, type RateLimitsConfig } from "../../src/config/securitySchema.js";
import { createRateLimits, type RateLimits } from "../../src/limits/createRateLimits.js";
import { memoryCounterStore } from "../../src/limits/memoryCounterStore.js";
import type { MaybePromise } from "../../src/maybePromise.js";
import type { CounterStore } from "../../src/limits/windowCounter.js";
import { localPrincipal, type Principal } from "../../src/auth/principal.js";
import { GatewayError } from "../../src/errors.js";

beforeEach(() => mock.timers.enable({ apis: ["Date", "setTimeout"], now: 1_700_000_000_000 }));
afterEach(() => mock.timers.reset());

/** The memory store's counters, answering through promises when `waits` says so for a counter's name. */
const behindPromises =
  (waits: (name: string) => boolean): CounterStore =>
  (options) => {
    const counter = memoryCounterStore(options);
    if (!waits(options.name)) return counter;
    return { add: async (key, points) => counter.add(key, points), read: async (key) => counter.read(key) };
  };

const stores: ReadonlyArray<[label: string, store: CounterStore]> = [
  ["memory", memoryCounterStore],
  ["behind promises", behindPromises(() => true)],
  // Per-user counters wait, per-key ones do not: a take turns asynchronous halfway through its rules.
  ["mixed", behindPromises((name) => name.endsWith(":user"))],
];

let createLimits: (config: RateLimitsConfig) => RateLimits = (config) => createRateLimits(config);
const test = (name: string, body: () => Promise<void>) => {
  for (const [label, store] of stores) {
    nodeTest(`${name} (${label})`, () => {
      createLimits = (config) => createRateLimits(config, { store });
      return body();
    });
  }
};

function limitsOf(input: Record<string, unknown>): RateLimitsConfig {
  return rateLimitsSchema.parse(input);
}

/** What a call refused with, whether it threw at once or rejected. */
async function refusal(call: () => MaybePromise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  return assert.fail("expected a refusal");
}

const keyPrincipal = (keyId: string, userId = "alice", limits?: Principal["limits"]): Principal => ({
  kind: "key",
  userId,
  role: "user",
  keyId,
  ...(limits ? { limits } : {}),
});

async function takeTimes(take: () => MaybePromise<{ allowed: boolean } | undefined>, n: number): Promise<boolean[]> {
  const results: boolean[] = [];
  for (let i = 0; i < n; i++) results.push((await take())?.allowed ?? true);
  return results;
}

test("exactly N requests pass in a window, then the next is refused until it ends", async () => {
  const { requests } = createLimits(limitsOf({ perUser: { other: { rpm: 3 } }, perKey: { other: { rpm: 0 } } }));
  const principal = keyPrincipal("k1");
  const passed = [];
  for (let i = 0; i < 3; i++) {
    const verdict = await requests.take(principal, "other");
    assert.ok(verdict);
    passed.push(verdict.allowed);
    assert.deepEqual(verdict.state, { scope: "user", unit: "requests", limit: 3, remaining: 2 - i, resetSeconds: 60 });
  }
  assert.deepEqual(passed, [true, true, true]);

  mock.timers.tick(20_500);
  const refused = await requests.take(principal, "other");
  assert.equal(refused?.allowed, false);
  // 39.5 s are left in the window: the client is told 40, never less than the real wait.
  assert.deepEqual(refused?.state, { scope: "user", unit: "requests", limit: 3, remaining: 0, resetSeconds: 40 });

  mock.timers.tick(39_499);
  assert.equal((await requests.take(principal, "other"))?.allowed, false, "one millisecond before the window ends");
  mock.timers.tick(1);
  const again = await requests.take(principal, "other");
  assert.equal(again?.allowed, true);
  assert.equal(again?.state.remaining, 2);
});

test("refused requests are not counted", async () => {
  const { requests } = createLimits(limitsOf({ perKey: { chat: { rpm: 2 } }, perUser: { chat: { rpm: 3 } } }));
  const principal = keyPrincipal("k1");
  assert.deepEqual(await takeTimes(() => requests.take(principal, "chat"), 5), [true, true, false, false, false]);
  // The user limit (3) saw only the two that passed: another key of the same user still has one request.
  const other = await requests.take(keyPrincipal("k2"), "chat");
  assert.equal(other?.allowed, true);
  assert.equal(other?.state.remaining, 0);
  assert.equal(other?.state.scope, "user");
});

test("a key's own rpm overrides the per-key chat limit, and only the chat class", async () => {
  const { requests } = createLimits(limitsOf({ perKey: { chat: { rpm: 10 }, other: { rpm: 2 } }, perUser: { chat: { rpm: 0 }, other: { rpm: 0 } } }));
  const special = keyPrincipal("k-special", "alice", { rpm: 1 });
  assert.deepEqual(await takeTimes(() => requests.take(special, "chat"), 2), [true, false]);
  const plain = keyPrincipal("k-plain");
  assert.deepEqual(await takeTimes(() => requests.take(plain, "chat"), 10), Array(10).fill(true));
  assert.equal((await requests.take(plain, "chat"))?.allowed, false);
  // The override is about chat; other routes keep the configured per-key limit.
  assert.deepEqual(await takeTimes(() => requests.take(special, "other"), 3), [true, true, false]);
  // A raised override lifts the key above the default.
  const generous = keyPrincipal("k-generous", "bob", { rpm: 20 });
  assert.deepEqual(await takeTimes(() => requests.take(generous, "chat"), 20), Array(20).fill(true));
});

test("the per-user limit spans every key of the user, and other users are apart", async () => {
  const { requests } = createLimits(limitsOf({ perKey: { chat: { rpm: 100 } }, perUser: { chat: { rpm: 3 } } }));
  const results = [
    await requests.take(keyPrincipal("k1", "alice"), "chat"),
    await requests.take(keyPrincipal("k2", "alice"), "chat"),
    await requests.take({ kind: "jwt", userId: "alice", role: "user" }, "chat"),
    await requests.take(keyPrincipal("k3", "alice"), "chat"),
  ];
  assert.deepEqual(results.map((verdict) => verdict?.allowed), [true, true, true, false]);
  assert.equal(results[3]?.state.scope, "user");
  assert.equal((await requests.take(keyPrincipal("k4", "bob"), "chat"))?.allowed, true);
});

test("the headers describe the tightest limit", async () => {
  const { requests } = createLimits(limitsOf({ perKey: { chat: { rpm: 5 } }, perUser: { chat: { rpm: 100 } } }));
  const first = await requests.take(keyPrincipal("k1"), "chat");
  assert.deepEqual(first?.state, { scope: "key", unit: "requests", limit: 5, remaining: 4, resetSeconds: 60 });
});

test("when both limits are spent the wait is for the later window", async () => {
  const { requests } = createLimits(limitsOf({ perKey: { chat: { rpm: 1 } }, perUser: { chat: { rpm: 2 } } }));
  await requests.take(keyPrincipal("k1"), "chat"); // opens the user window at t=0
  mock.timers.tick(30_000);
  await requests.take(keyPrincipal("k2"), "chat"); // opens k2's window at t=30s; the user window is now full
  const refused = await requests.take(keyPrincipal("k2"), "chat");
  assert.equal(refused?.allowed, false);
  assert.equal(refused?.state.scope, "key");
  assert.equal(refused?.state.resetSeconds, 60);
});

test("the local principal (auth none) is limited per user", async () => {
  const { requests } = createLimits(limitsOf({ perUser: { admin: { rpm: 2 } } }));
  assert.deepEqual(await takeTimes(() => requests.take(localPrincipal, "admin"), 3), [true, true, false]);
});

test("classes count apart", async () => {
  const { requests } = createLimits(limitsOf({ perUser: { chat: { rpm: 1 }, admin: { rpm: 1 }, other: { rpm: 1 } } }));
  for (const routeClass of ["chat", "admin", "other"] as const) {
    assert.equal((await requests.take(localPrincipal, routeClass))?.allowed, true, routeClass);
    assert.equal((await requests.take(localPrincipal, routeClass))?.allowed, false, routeClass);
  }
});

test("0 disables a limit, a key's 0 too, and enabled: false disables them all", async () => {
  const off = createLimits(limitsOf({ perKey: { other: { rpm: 0 } }, perUser: { other: { rpm: 0 } } }));
  assert.equal(await off.requests.take(keyPrincipal("k1"), "other"), undefined);
  const keyOff = createLimits(limitsOf({ perKey: { chat: { rpm: 1 } }, perUser: { chat: { rpm: 0 } } }));
  assert.equal(await keyOff.requests.take(keyPrincipal("k1", "alice", { rpm: 0 }), "chat"), undefined);
  const disabled = createLimits(limitsOf({ enabled: false, perUser: { chat: { rpm: 1, tpm: 1 } } }));
  assert.equal(await disabled.requests.take(localPrincipal, "chat"), undefined);
  await disabled.tokens.consume(localPrincipal, 1000);
  await disabled.tokens.check(localPrincipal);
});

test("tokens: consume then check refuses with the wait until the window ends", async () => {
  const { tokens } = createLimits(limitsOf({ perKey: { chat: { rpm: 0, tpm: 1000 } }, perUser: { chat: { rpm: 0, tpm: 0 } } }));
  const principal = keyPrincipal("k1");
  await tokens.check(principal);
  await tokens.consume(principal, 600);
  await tokens.check(principal);
  mock.timers.tick(15_000);
  // The request that crosses the limit is already served; the next one is refused.
  await tokens.consume(principal, 600);
  const error = await refusal(() => tokens.check(principal));
  assert.ok(error instanceof GatewayError);
  assert.equal(error.code, "rate_limited");
  assert.equal(error.status, 429);
  assert.equal(error.retryAfterSeconds, 45);
  assert.match(error.message, /1000 tokens per minute for this API key/);
  assert.deepEqual(await tokens.spent(principal), { scope: "key", unit: "tokens", limit: 1000, remaining: 0, resetSeconds: 45 });
  mock.timers.tick(45_000);
  await tokens.check(principal);
});

test("tokens: a key's own tpm overrides, the user's limit spans keys, nonsense counts are ignored", async () => {
  const { tokens } = createLimits(limitsOf({ perKey: { chat: { rpm: 0, tpm: 1_000_000 } }, perUser: { chat: { rpm: 0, tpm: 500 } } }));
  const small = keyPrincipal("k-small", "alice", { tpm: 10 });
  await tokens.consume(small, 10);
  assert.equal((await refusal(() => tokens.check(small)) as GatewayError).code, "rate_limited");
  const other = keyPrincipal("k-other", "alice");
  await tokens.check(other);
  await tokens.consume(other, 490);
  assert.match((await refusal(() => tokens.check(keyPrincipal("k-third", "alice"))) as GatewayError).message, /for this user/);
  await tokens.check(keyPrincipal("k-bob", "bob"));
  for (const nonsense of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) await tokens.consume(keyPrincipal("k-bob", "bob"), nonsense);
  await tokens.check(keyPrincipal("k-bob", "bob"));
});

nodeTest("over the memory store every call answers at once: a verdict, a state, a throw, nothing to wait for", () => {
  const { requests, tokens } = createRateLimits(limitsOf({ perKey: { chat: { rpm: 1, tpm: 100 } }, perUser: { chat: { rpm: 0, tpm: 0 } } }));
  const principal = keyPrincipal("k-sync");
  const first = requests.take(principal, "chat");
  assert.ok(!(first instanceof Promise));
  assert.equal(first?.allowed, true);
  const refused = requests.take(principal, "chat");
  assert.ok(!(refused instanceof Promise));
  assert.equal(refused?.allowed, false);
  assert.equal(tokens.spent(principal), undefined);
  assert.equal(tokens.check(principal), undefined);
  assert.equal(tokens.consume(principal, 100), undefined);
  assert.deepEqual(tokens.spent(principal), { scope: "key", unit: "tokens", limit: 100, remaining: 0, resetSeconds: 60 });
  assert.throws(() => tokens.check(principal), { code: "rate_limited" });
});

nodeTest("rules are kept per principal object: another object for an edited key gets its new limits", () => {
  const { requests } = createRateLimits(limitsOf({ perKey: { chat: { rpm: 5 } }, perUser: { chat: { rpm: 0 } } }));
  const same = keyPrincipal("k-same", "alice", { rpm: 2 });
  const takes = [requests.take(same, "chat"), requests.take(same, "chat"), requests.take(same, "chat")];
  assert.deepEqual(takes.map((verdict) => (verdict as { allowed: boolean }).allowed), [true, true, false]);
  // Another object for the same key, without the override (say, the key was edited): the configured 5 apply.
  const edited = keyPrincipal("k-same", "alice");
  const verdict = requests.take(edited, "chat") as { allowed: boolean; state: { limit: number; remaining: number } };
  assert.equal(verdict.allowed, true);
  assert.deepEqual([verdict.state.limit, verdict.state.remaining], [5, 2]);
});

nodeTest("over a store that waits, a counter that throws at once still fails the take as a rejection", async () => {
  let calls = 0;
  const store: CounterStore = (options) => {
    const counter = memoryCounterStore(options);
    return {
      add: (key, points) => {
        // The per-key counter answers with a promise; the per-user one, called after it, throws.
        if (options.name.endsWith(":user")) throw new Error("counter broke");
        calls++;
        return Promise.resolve(counter.add(key, points));
      },
      read: (key) => counter.read(key),
    };
  };
  const { requests } = createRateLimits(limitsOf({ perKey: { chat: { rpm: 5 } }, perUser: { chat: { rpm: 5 } } }), { store });
  const take = requests.take(keyPrincipal("k-throws"), "chat");
  assert.ok(take instanceof Promise);
  await assert.rejects(take, /counter broke/);
  assert.equal(calls, 1);
});
