/**
 * The semantic cache's store on both dialects: the nearest live entry of a scope (and only of that scope and
 * embedding model), the candidate limit, invalidation by what the admin route names, and the purge of expired rows.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { eachDialect } from "../store/eachDialect.js";
import type { SemanticCacheRecord, SemanticCacheStore } from "../../src/store/semanticCacheStore.js";
import { unitVector } from "../../src/store/vectorIndex.js";

const DIMS = 8;
const NOW = 1_800_000_000_000;

/** A unit vector mostly along axis `axis`, tilted towards axis + 1 by `tilt`. */
const vectorAt = (axis: number, tilt = 0): Float32Array => {
  const values = new Array<number>(DIMS).fill(0);
  values[axis % DIMS] = 1;
  values[(axis + 1) % DIMS] = tilt;
  return unitVector(values) as Float32Array;
};

/** `answer` is the answer's text here; the record holds it as the JSON a response is stored as. */
const record = (scope: string, vector: Float32Array, { answer, ...fields }: Partial<SemanticCacheRecord> = {}): SemanticCacheRecord => ({
  scope,
  embeddingModel: "emb/model",
  vector,
  tenant: "alice",
  route: "faq",
  keyId: "key-1",
  model: "vllm/mock-model",
  answer: JSON.stringify({ text: answer ?? "an answer" }),
  createdAt: NOW,
  expiresAt: NOW + 60_000,
  ...fields,
});

const newScope = () => randomBytes(8).toString("hex");

/** The text of a found entry's answer (undefined: nothing found). */
const textOf = (match: { answer: string } | undefined) => (match === undefined ? undefined : (JSON.parse(match.answer) as { text: string }).text);

function nearest(store: SemanticCacheStore, scope: string, vector: Float32Array, now = NOW, maxCandidates = 1000) {
  return store.nearest({ scope, embeddingModel: "emb/model", vector, now, maxCandidates });
}

eachDialect("semantic cache store", (context) => {
  const semantic = () => {
    const store = context.store.semanticCache;
    assert.ok(store, "the store compares vectors");
    return store;
  };

  test("the nearest entry of the scope, whatever its similarity; other scopes, models and sizes are never compared", async () => {
    const store = semantic();
    const scope = newScope();
    assert.equal(await nearest(store, scope, vectorAt(0)), undefined, "an empty scope has no candidate");
    await store.put(record(scope, vectorAt(0, 0.5), { answer: "tilted" }));
    await store.put(record(scope, vectorAt(3), { answer: "far" }));
    await store.put(record(newScope(), vectorAt(0), { answer: "other scope" }));
    await store.put(record(scope, vectorAt(0), { answer: "other model", embeddingModel: "emb/other" }));
    const best = await nearest(store, scope, vectorAt(0));
    assert.ok(best);
    assert.equal(textOf(best), "tilted");
    assert.ok(Math.abs(best.similarity - 1 / Math.sqrt(1.25)) < 1e-5, `similarity ${best.similarity}`);
    assert.equal(best.model, "vllm/mock-model");
    assert.equal(best.expiresAt, NOW + 60_000);
    // Far below any threshold, still reported: the caller decides, and observes the best score.
    const orthogonal = await nearest(store, scope, vectorAt(6));
    assert.ok(orthogonal && Math.abs(orthogonal.similarity) < 1e-6);
    // A query of another size compares with nothing.
    assert.equal(await store.nearest({ scope, embeddingModel: "emb/model", vector: unitVector([1, 0, 0]) as Float32Array, now: NOW, maxCandidates: 10 }), undefined);
  });

  test("expired entries never match; ties go to the newest; only the newest maxCandidates are compared", async () => {
    const store = semantic();
    const scope = newScope();
    await store.put(record(scope, vectorAt(1), { answer: "old", createdAt: NOW - 2000, expiresAt: NOW + 1000 }));
    await store.put(record(scope, vectorAt(1), { answer: "new", createdAt: NOW - 1000, expiresAt: NOW + 2000 }));
    assert.equal(textOf(await nearest(store, scope, vectorAt(1))), "new");
    assert.equal(textOf(await nearest(store, scope, vectorAt(1), NOW + 1500)), "new");
    assert.equal(await nearest(store, scope, vectorAt(1), NOW + 2000), undefined, "expired at its expiry time");

    const crowded = newScope();
    await store.put(record(crowded, vectorAt(2), { answer: "best but oldest", createdAt: NOW - 10 }));
    for (let i = 0; i < 3; i++) await store.put(record(crowded, vectorAt(2, 1), { answer: `newer ${i}`, createdAt: NOW + i }));
    assert.equal(textOf(await nearest(store, crowded, vectorAt(2), NOW, 4)), "best but oldest");
    assert.match(textOf(await nearest(store, crowded, vectorAt(2), NOW, 3)) ?? "", /^newer /);
  });

  test("invalidation deletes the union of tenant, route or answering model, and key; naming nothing deletes nothing", async () => {
    const store = semantic();
    const scope = newScope();
    const tag = randomBytes(4).toString("hex");
    await store.put(record(scope, vectorAt(0), { tenant: `t-${tag}`, route: `r-${tag}`, model: `m-${tag}`, keyId: `k-${tag}` }));
    await store.put(record(scope, vectorAt(1), { tenant: `u-${tag}`, route: `r-${tag}`, model: "vllm/mock-model", keyId: undefined }));
    await store.put(record(scope, vectorAt(2), { tenant: `u-${tag}`, route: "faq", model: `m-${tag}`, keyId: undefined }));
    await store.put(record(scope, vectorAt(3), { tenant: `u-${tag}`, route: "faq", model: "vllm/mock-model", keyId: `k-${tag}` }));
    await store.put(record(scope, vectorAt(4), { tenant: `u-${tag}`, route: "faq", model: "vllm/mock-model", keyId: undefined }));
    assert.equal(await store.invalidate({}), 0);
    assert.equal(await store.invalidate({ tenant: `t-${tag}` }), 1);
    assert.equal(await store.invalidate({ model: `r-${tag}` }), 1, "by route");
    assert.equal(await store.invalidate({ model: `m-${tag}` }), 1, "by the model that answered");
    assert.equal(await store.invalidate({ keyId: `k-${tag}`, tenant: `nobody-${tag}` }), 1, "by key (the union with a tenant that has none)");
    const left = await nearest(store, scope, vectorAt(4));
    assert.ok(left && left.similarity > 0.999, "the entry nothing named is still there");
  });

  test("the purge deletes expired entries only, oldest expiry first, at most `limit` at a time", async () => {
    const store = semantic();
    const scope = newScope();
    // Far in the past, so entries other tests left behind are not expired by then.
    const past = NOW - 10_000_000;
    for (let i = 0; i < 3; i++) await store.put(record(scope, vectorAt(i), { createdAt: past - 1000, expiresAt: past + i }));
    await store.put(record(scope, vectorAt(5), { createdAt: past - 1000, expiresAt: NOW + 60_000 }));
    assert.equal(await store.purgeExpired(past + 10, 2), 2);
    assert.equal(await store.purgeExpired(past + 10, 2), 1);
    assert.equal(await store.purgeExpired(past + 10, 2), 0);
    const live = await nearest(store, scope, vectorAt(5), past);
    assert.ok(live && live.similarity > 0.999);
    assert.equal(live.expiresAt, NOW + 60_000);
    const gone = await nearest(store, scope, vectorAt(0), past - 2000);
    assert.ok(gone && gone.similarity < 0.5, "the expired rows were deleted, not only hidden");
  });
});
