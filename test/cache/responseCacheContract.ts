/**
 * The contract every response cache runs: L1 alone, L1 over Redis, two replicas over one Redis (where the
 * cross-replica cases apply). Everything is asserted through the ResponseCache seam (what lookups return after
 * stores, expiry and invalidations), never where or how an entry is kept.
 *
 * Expiry runs on real time: L1's lru-cache reads performance.now(), which node:test's fake timers cannot mock,
 * and Redis expires keys on its own clock. TTLs are tens of milliseconds and every wait polls.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { cacheSchema, type CacheConfig } from "../../src/config/cacheSchema.js";
import type { CacheLookup, ResponseCache } from "../../src/cache/createResponseCache.js";
import type { CacheDimensions, InvalidationTarget } from "../../src/cache/cacheGenerations.js";
import type { CollectedResponse } from "../../src/engines/collectStream.js";
import { requestDigest } from "../../src/cache/requestDigest.js";
import { eventually } from "../support/eventually.js";

export interface ResponseCacheSubject {
  cache: ResponseCache;
  /** A second replica over the same shared state; the cross-replica cases run only when there is one. */
  peer?: ResponseCache | undefined;
  /** Whether invalidations go through a shared store (Redis), as their `shared` result must say. */
  shared: boolean;
  /** Shared-store subjects: Redis goes away (connections dropped, new ones refused) for the rest of the case. */
  cutRedis?: (() => Promise<void>) | undefined;
  /** Shared-store subjects: Redis keeps the connections open but stops answering for the rest of the case. */
  stallRedis?: (() => Promise<void>) | undefined;
  /** Closes the caches and releases whatever the factory opened. */
  dispose(): Promise<void>;
}

export type ResponseCacheFactory = (config: CacheConfig) => Promise<ResponseCacheSubject>;

/** What a kind of subject has, known before any is made: cases that need more are not registered for it. */
export interface ResponseCacheCapabilities {
  /** Its subjects come with a second replica (`peer`). */
  peer: boolean;
  /** Its subjects can cut or stall their Redis. */
  redisTrouble: boolean;
}

interface StoredAnswer {
  model: string;
  response: CollectedResponse;
}

/** How long another replica may take to hear an invalidation: under the generations' 1 s refresh, so it is the broadcast that tells it. */
const CROSS_REPLICA_MS = 500;
/** L1 (performance.now, debounced by 1 ms) and the entry's own timestamps (Date.now, whole ms) disagree by this much. */
const CLOCK_SLACK_MS = 3;
const TTL_MS = 40;
const STALE_MS = 60;

const id = (what: string) => `${what}-${randomBytes(4).toString("hex")}`;
const digest = () => randomBytes(32).toString("hex");
const dims = (overrides: Partial<CacheDimensions> = {}): CacheDimensions => ({ tenant: id("tenant"), model: id("model"), keyId: id("key"), ...overrides });

function answerOf(text: string): StoredAnswer {
  return {
    model: "vllm/mock-model",
    response: {
      text,
      toolCalls: [{ id: "call_1", type: "function", function: { name: "lookup_weather", arguments: '{"city":"Oslo"}' } }],
      finishReason: "tool_calls",
      usage: { inputTokens: 12, outputTokens: 7, totalTokens: 19 },
    },
  };
}

const sameAnswer = (found: StoredAnswer | undefined, stored: StoredAnswer, message: string) =>
  assert.deepEqual(found && { model: found.model, response: found.response }, stored, message);

function assertFresh(found: CacheLookup, stored: StoredAnswer, what = "the entry") {
  assert.equal(found.stale, undefined, `${what}: no stale copy beside a fresh one`);
  sameAnswer(found.answer, stored, `${what}: a fresh hit with the stored answer`);
}

function assertMiss(found: CacheLookup, what = "the entry") {
  assert.equal(found.answer, undefined, `${what}: no fresh answer`);
  assert.equal(found.stale, undefined, `${what}: no stale answer`);
  assert.equal(typeof found.key, "string");
  assert.ok(found.key.length > 0, `${what}: a key to store under`);
}

/** Looks up, stores an answer under the key of the miss, and returns that key. */
async function put(cache: ResponseCache, d: CacheDimensions, dg: string, stored: StoredAnswer, ttlMs = 60_000, staleMs = 0): Promise<string> {
  const { key } = await cache.lookup(d, dg);
  await cache.store(d, key, stored, ttlMs, staleMs);
  return key;
}

type Phase = "fresh" | "stale" | "gone";

interface Observation {
  phase: Phase;
  startedAt: number;
  endedAt: number;
}

/**
 * Polls an entry stored between storedFrom and storedTo until it is gone, and holds every lookup to the windows
 * the store set: fresh only before the TTL ran out, stale only after it and before the stale window ended, gone
 * only after both, never back to an earlier phase, and the stored answer throughout.
 */
async function watchExpiry(
  cache: ResponseCache,
  d: CacheDimensions,
  dg: string,
  stored: StoredAnswer,
  window: { storedFrom: number; storedTo: number; ttlMs: number; staleMs: number },
): Promise<Observation[]> {
  const { storedFrom, storedTo, ttlMs, staleMs } = window;
  const rank: Record<Phase, number> = { fresh: 0, stale: 1, gone: 2 };
  const deadline = storedTo + ttlMs + staleMs + 2000;
  const seen: Observation[] = [];
  for (;;) {
    const startedAt = Date.now();
    const found = await cache.lookup(d, dg);
    const endedAt = Date.now();
    const phase: Phase = found.answer ? "fresh" : found.stale ? "stale" : "gone";
    const at = `${phase} seen ${startedAt - storedTo}..${endedAt - storedFrom} ms after the store (TTL ${ttlMs}, stale ${staleMs})`;
    if (phase === "fresh") {
      assertFresh(found, stored);
      assert.ok(startedAt < storedTo + ttlMs + CLOCK_SLACK_MS, `fresh past its TTL: ${at}`);
    } else if (phase === "stale") {
      sameAnswer(found.stale, stored, "a stale entry keeps the stored answer");
      assert.ok(endedAt >= storedFrom + ttlMs - CLOCK_SLACK_MS, `stale before its TTL ran out: ${at}`);
      assert.ok(startedAt < storedTo + ttlMs + staleMs + CLOCK_SLACK_MS, `stale past its stale window: ${at}`);
    } else {
      assert.ok(endedAt >= storedFrom + ttlMs + staleMs - CLOCK_SLACK_MS, `gone too early: ${at}`);
    }
    const previous = seen.at(-1);
    if (previous) assert.ok(rank[phase] >= rank[previous.phase], `went back from ${previous.phase} to ${at}`);
    seen.push({ phase, startedAt, endedAt });
    if (phase === "gone") break;
    assert.ok(Date.now() < deadline, `still ${phase} ${Date.now() - storedTo} ms after the store`);
    await delay(5);
  }
  await delay(5);
  assertMiss(await cache.lookup(d, dg), "an entry past its windows, looked up again");
  return seen;
}

/** Whether the polling was too starved to have seen a phase of `ms` (the loop's widest gap is at least that long). */
function starved(seen: Observation[], from: number, ms: number): boolean {
  let last = from;
  for (const { startedAt } of seen) {
    if (startedAt - last >= ms) return true;
    last = startedAt;
  }
  return false;
}

/** Counts of the process's active resources by kind (sockets, timers…), for what a case leaves behind. */
function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

export function runResponseCacheContract(label: string, make: ResponseCacheFactory, has: ResponseCacheCapabilities): void {
  const config = (overrides: Record<string, unknown> = {}) => cacheSchema.parse({ enabled: true, ...overrides });
  const withSubject = (name: string, body: (subject: ResponseCacheSubject) => Promise<void>, overrides: Record<string, unknown> = {}) =>
    // Only registers the case: the runner awaits it, as it does a top-level test().
    void test(`${label} response cache: ${name}`, async () => {
      const subject = await make(config(overrides));
      try {
        await body(subject);
      } finally {
        await subject.dispose();
      }
    });
  /** A case that needs what not every kind of subject has: registered only for those that have it. */
  const withSubjectIf = (needs: boolean, name: string, body: (subject: ResponseCacheSubject) => Promise<void>) => {
    if (needs) withSubject(name, body);
  };

  withSubject("a miss returns a key; the answer stored under it is the next lookup's fresh hit", async ({ cache }) => {
    const d = dims();
    const dg = digest();
    const miss = await cache.lookup(d, dg);
    assertMiss(miss);
    assert.equal((await cache.lookup(d, dg)).key, miss.key, "a miss's key is stable");
    const stored = answerOf("It is 4 °C in Oslo.");
    await cache.store(d, miss.key, stored, 60_000);
    const hit = await cache.lookup(d, dg);
    assertFresh(hit, stored);
    assert.equal(hit.key, miss.key);
    assert.ok(hit.answer && hit.answer.expiresAt > Date.now(), "a fresh hit says when it stops being fresh");
  });

  withSubject("an answer without text or usage is replayed as it was stored", async ({ cache }) => {
    const d = dims();
    const dg = digest();
    const stored: StoredAnswer = { model: "vllm/mock-model", response: { text: "", toolCalls: [], finishReason: "stop", usage: undefined } };
    await put(cache, d, dg, stored);
    const found = await cache.lookup(d, dg);
    assert.ok(found.answer, "a fresh hit");
    assert.equal(found.answer.response.text, "");
    assert.deepEqual(found.answer.response.toolCalls, []);
    assert.equal(found.answer.response.finishReason, "stop");
    assert.equal(found.answer.response.usage, undefined);
  });

  withSubject("different digests do not collide", async ({ cache }) => {
    const d = dims();
    const [one, two] = [digest(), digest()];
    const first = answerOf("first");
    const keyOne = await put(cache, d, one, first);
    const missTwo = await cache.lookup(d, two);
    assertMiss(missTwo, "another digest");
    assert.notEqual(missTwo.key, keyOne);
    const second = answerOf("second");
    await cache.store(d, missTwo.key, second, 60_000);
    assertFresh(await cache.lookup(d, one), first, "the first digest");
    assertFresh(await cache.lookup(d, two), second, "the second digest");
  });

  // The seam keys entries by digest and generations; tenants stay apart because the digest covers the tenant
  // (requestDigest, as the gateway computes it), so the same request from two tenants is two digests.
  withSubject("the same request from another tenant is another entry", async ({ cache }) => {
    const shared = { model: id("model"), keyId: id("key") };
    const alice = dims({ tenant: id("alice"), ...shared });
    const bob = dims({ tenant: id("bob"), ...shared });
    const request = { messages: [{ role: "user" as const, content: "What is the weather in Oslo?" }], temperature: 0 };
    const digestFor = (d: CacheDimensions) => requestDigest({ tenant: d.tenant, model: d.model, request });
    const hers = answerOf("for alice only");
    const herKey = await put(cache, alice, digestFor(alice), hers);
    const his = await cache.lookup(bob, digestFor(bob));
    assertMiss(his, "another tenant's lookup");
    assert.notEqual(his.key, herKey);
    const theirs = answerOf("for bob only");
    await cache.store(bob, his.key, theirs, 60_000);
    assertFresh(await cache.lookup(alice, digestFor(alice)), hers, "the first tenant's entry");
    assertFresh(await cache.lookup(bob, digestFor(bob)), theirs, "the second tenant's entry");
  });

  withSubject("an entry expires after its TTL and, without a stale window, is gone at once", async ({ cache }) => {
    const d = dims();
    const dg = digest();
    const stored = answerOf("short-lived");
    const { key } = await cache.lookup(d, dg);
    const storedFrom = Date.now();
    await cache.store(d, key, stored, TTL_MS);
    const storedTo = Date.now();
    const seen = await watchExpiry(cache, d, dg, stored, { storedFrom, storedTo, ttlMs: TTL_MS, staleMs: 0 });
    assert.equal(seen[0]?.phase === "fresh" || starved(seen, storedTo, TTL_MS), true, "fresh right after the store");
  });

  withSubject("an expired entry comes back stale (never as an answer) until its stale window ends, then not at all", async ({ cache }) => {
    const d = dims();
    const dg = digest();
    const stored = answerOf("kept for stale-if-error");
    const { key } = await cache.lookup(d, dg);
    const storedFrom = Date.now();
    await cache.store(d, key, stored, TTL_MS, STALE_MS);
    const storedTo = Date.now();
    const seen = await watchExpiry(cache, d, dg, stored, { storedFrom, storedTo, ttlMs: TTL_MS, staleMs: STALE_MS });
    assert.ok(seen.some((o) => o.phase === "stale") || starved(seen, storedTo, STALE_MS), "seen stale inside its window");
  });

  withSubject(
    "ttlMsFor: the model's own TTL, else the route's, else the default, in milliseconds",
    async ({ cache }) => {
      assert.equal(cache.ttlMsFor("fast-model", "chat"), 2000, "the model as sent wins over its route");
      assert.equal(cache.ttlMsFor("other-model", "chat"), 5000, "then the route");
      assert.equal(cache.ttlMsFor("other-model", "other-route"), 300_000, "then ttlSeconds");
      assert.equal(cache.ttlMsFor("brief-model", "other-route"), 2, "fractions of a second round up to whole ms");
    },
    { ttlSeconds: 300, ttl: { "fast-model": 2, chat: 5, "brief-model": 0.0015 } },
  );

  withSubject(
    "an answer larger than maxEntryBytes is not stored; a smaller one is",
    async ({ cache, peer }) => {
      const d = dims();
      const [big, small] = [digest(), digest()];
      await put(cache, d, big, answerOf("x".repeat(4096)));
      assertMiss(await cache.lookup(d, big), "the oversized answer");
      if (peer) assertMiss(await peer.lookup(d, big), "the oversized answer on the other replica");
      const fits = answerOf("fits");
      await put(cache, d, small, fits);
      assertFresh(await cache.lookup(d, small), fits, "the small answer");
    },
    { maxEntryBytes: 1024 },
  );

  // Entries over every combination the targets below pick from, one without an API key.
  const invalidationCases: Array<{ name: string; target: (ids: Record<string, string>) => InvalidationTarget }> = [
    { name: "tenant", target: (ids) => ({ tenant: ids.t1 }) },
    { name: "model", target: (ids) => ({ model: ids.m1 }) },
    { name: "keyId", target: (ids) => ({ keyId: ids.k1 }) },
    { name: "tenant and model together (their union)", target: (ids) => ({ tenant: ids.t2, model: ids.m2 }) },
  ];
  for (const { name, target: targetOf } of invalidationCases) {
    withSubject(`invalidating by ${name} makes its entries miss under a new generation; the others still hit`, async ({ cache, shared }) => {
      const ids: Record<string, string> = { t1: id("t1"), t2: id("t2"), m1: id("m1"), m2: id("m2"), k1: id("k1"), k2: id("k2") };
      const entries = [
        { tenant: ids.t1!, model: ids.m1!, keyId: ids.k1 },
        { tenant: ids.t1!, model: ids.m2!, keyId: ids.k2 },
        { tenant: ids.t2!, model: ids.m1!, keyId: ids.k2 },
        { tenant: ids.t2!, model: ids.m2!, keyId: ids.k1 },
        { tenant: ids.t2!, model: ids.m1!, keyId: undefined },
      ].map((d, i) => ({ d, dg: digest(), stored: answerOf(`entry ${i}`) }));
      const keys = new Map<number, string>();
      for (const [i, entry] of entries.entries()) keys.set(i, await put(cache, entry.d, entry.dg, entry.stored));
      const target = targetOf(ids);
      const hit = (d: CacheDimensions) =>
        (target.tenant !== undefined && d.tenant === target.tenant) ||
        (target.model !== undefined && d.model === target.model) ||
        (target.keyId !== undefined && d.keyId === target.keyId);
      const affected = entries.filter(({ d }) => hit(d)).length;
      assert.ok(affected > 0 && affected < entries.length, "the case has entries on both sides");

      const result = await cache.invalidate(target);
      assert.deepEqual(result.invalidated, target);
      assert.equal(result.shared, shared, shared ? "Redis took the invalidation" : "no shared store: this replica only");
      assert.equal(result.droppedLocally, affected, "the matching entries were dropped here");
      const names = [
        ...(target.tenant !== undefined ? [`tenant:${target.tenant}`] : []),
        ...(target.model !== undefined ? [`model:${target.model}`] : []),
        ...(target.keyId !== undefined ? [`key:${target.keyId}`] : []),
      ];
      assert.deepEqual(Object.keys(result.generations).sort(), names.sort());
      for (const value of Object.values(result.generations)) assert.ok(Number.isInteger(value) && value > 0, `a new generation: ${value}`);

      for (const [i, { d, dg, stored }] of entries.entries()) {
        const found = await cache.lookup(d, dg);
        if (hit(d)) {
          assertMiss(found, `invalidated entry ${i}`);
          assert.notEqual(found.key, keys.get(i), `invalidated entry ${i} is looked up under a new key`);
          const again = answerOf(`entry ${i}, answered again`);
          await cache.store(d, found.key, again, 60_000);
          assertFresh(await cache.lookup(d, dg), again, `invalidated entry ${i}, stored again`);
        } else {
          assertFresh(found, stored, `untouched entry ${i}`);
          assert.equal(found.key, keys.get(i), `untouched entry ${i} keeps its key`);
        }
      }
    });
  }

  test(`${label} response cache: close() lets go of what the cache opened, so nothing is left running`, async () => {
    const before = activeResources();
    const subject = await make(config());
    let disposed = false;
    try {
      const d = dims();
      await put(subject.cache, d, digest(), answerOf("one"), TTL_MS, STALE_MS);
      await subject.cache.invalidate({ tenant: d.tenant });
      await subject.dispose();
      disposed = true;
      const left = () => [...activeResources()].filter(([kind, count]) => count > (before.get(kind) ?? 0));
      await eventually(() => left().length === 0, 2000, "the cache's sockets and timers to go").catch((error: unknown) => {
        throw new Error(`still active after dispose: ${JSON.stringify(left())}`, { cause: error });
      });
    } finally {
      if (!disposed) await subject.dispose();
    }
  });

  // Two replicas over one shared store.
  const withPeer = has.peer;

  withSubjectIf(withPeer, "a store on one replica is a fresh hit on the other, under the same key", async ({ cache, peer }) => {
    assert.ok(peer);
    const d = dims();
    const dg = digest();
    const stored = answerOf("shared through Redis");
    const key = await put(cache, d, dg, stored);
    const there = await peer.lookup(d, dg);
    assertFresh(there, stored, "the other replica's lookup");
    assert.equal(there.key, key);
    // The other way round, and again once the first copy is in the other replica's L1.
    const back = answerOf("and back");
    const dgBack = digest();
    await put(peer, d, dgBack, back);
    assertFresh(await cache.lookup(d, dgBack), back, "the first replica's lookup");
    assertFresh(await peer.lookup(d, dg), stored, "the other replica's second lookup");
  });

  for (const dimension of ["tenant", "model", "keyId"] as const) {
    withSubjectIf(withPeer, `an invalidation by ${dimension} on one replica is seen by the other within ${CROSS_REPLICA_MS} ms`, async ({ cache, peer }) => {
      assert.ok(peer);
      const gone = dims();
      const kept = dims();
      const [dgGone, dgKept] = [digest(), digest()];
      const keptAnswer = answerOf("kept");
      await put(cache, gone, dgGone, answerOf("invalidated"));
      await put(cache, kept, dgKept, keptAnswer);
      // The other replica holds both in its own L1 before the invalidation.
      assert.ok((await peer.lookup(gone, dgGone)).answer);
      assert.ok((await peer.lookup(kept, dgKept)).answer);

      const result = await cache.invalidate({ [dimension]: gone[dimension] });
      assert.equal(result.shared, true);
      const seen = await eventually(
        async () => {
          const found = await peer.lookup(gone, dgGone);
          return found.answer === undefined && found.stale === undefined ? found : undefined;
        },
        CROSS_REPLICA_MS,
        `the other replica to stop serving the invalidated entry`,
      );
      assertFresh(await peer.lookup(kept, dgKept), keptAnswer, "the other replica's untouched entry");
      // Both replicas look the entry up under the same new generation: an answer stored on one is the other's hit.
      assert.equal((await cache.lookup(gone, dgGone)).key, seen.key);
      const fresh = answerOf("answered after the invalidation");
      await peer.store(gone, seen.key, fresh, 60_000);
      assertFresh(await cache.lookup(gone, dgGone), fresh, "the new generation's entry on the first replica");
    });
  }

  withSubjectIf(withPeer, "the other replica keeps the entry's TTL and stale window when it reads it from Redis", async ({ cache, peer }) => {
    assert.ok(peer);
    const d = dims();
    const dg = digest();
    const stored = answerOf("expiring everywhere");
    const { key } = await cache.lookup(d, dg);
    const storedFrom = Date.now();
    await cache.store(d, key, stored, TTL_MS, STALE_MS);
    const storedTo = Date.now();
    // The other replica first reads it once it has expired: straight from Redis into the stale phase.
    await eventually(async () => (await cache.lookup(d, dg)).answer === undefined, 1000, "the entry to expire");
    const seen = await watchExpiry(peer, d, dg, stored, { storedFrom, storedTo, ttlMs: TTL_MS, staleMs: STALE_MS });
    assert.ok(seen.some((o) => o.phase === "stale") || starved(seen, storedTo + TTL_MS, STALE_MS), "seen stale on the other replica");
  });

  // Redis trouble: the shared store goes away or hangs; the cache goes on as L1 and never throws.
  const redisTrouble: Array<{ name: string; start: (subject: ResponseCacheSubject) => (() => Promise<void>) | undefined }> = [
    { name: "unreachable", start: (subject) => subject.cutRedis },
    { name: "hanging", start: (subject) => subject.stallRedis },
  ];
  for (const { name, start } of redisTrouble) {
    withSubjectIf(
      has.redisTrouble,
      `Redis ${name}: lookups miss what only Redis held, stores keep L1 working, invalidation stays local, nothing throws`,
      async (subject) => {
        const { cache, peer } = subject;
        const d = dims();
        const [dgBefore, dgElsewhere, dgAfter] = [digest(), digest(), digest()];
        const before = answerOf("stored while Redis was there");
        await put(cache, d, dgBefore, before);
        if (peer) await put(peer, d, dgElsewhere, answerOf("only in Redis and the other replica"));

        const trouble = start(subject);
        assert.ok(trouble, `a subject said to have Redis trouble cases has no way to make Redis ${name}`);
        await trouble();
        assertFresh(await cache.lookup(d, dgBefore), before, "an entry this replica holds");
        if (peer) assertMiss(await cache.lookup(d, dgElsewhere), "an entry only Redis held");
        const after = answerOf("stored without Redis");
        await put(cache, d, dgAfter, after);
        assertFresh(await cache.lookup(d, dgAfter), after, "an entry stored without Redis");

        const result = await cache.invalidate({ tenant: d.tenant });
        assert.equal(result.shared, false, "Redis did not take it: this replica only");
        assert.equal(result.droppedLocally, 2);
        assertMiss(await cache.lookup(d, dgBefore), "an invalidated entry");
        assertMiss(await cache.lookup(d, dgAfter), "an invalidated entry");
      },
    );
  }
}
