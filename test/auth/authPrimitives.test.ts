import { test } from "node:test";
import assert from "node:assert/strict";
import { API_KEY_PREFIX, generateApiKey } from "../../src/auth/generateApiKey.js";
import { hashApiKey } from "../../src/auth/hashApiKey.js";
import { safeEqual } from "../../src/auth/safeEqual.js";
import { credentialFrom } from "../../src/auth/credentialFrom.js";
import { claimAt } from "../../src/auth/claimAt.js";
import { createTtlCache } from "../../src/auth/createTtlCache.js";

test("keys are sy- and 43 base64url characters (256 random bits), never repeating", () => {
  const keys = new Set(Array.from({ length: 200 }, generateApiKey));
  assert.equal(keys.size, 200);
  for (const key of keys) {
    assert.match(key, /^sy-[A-Za-z0-9_-]{43}$/);
    assert.ok(key.startsWith(API_KEY_PREFIX));
  }
});

test("a key's hash is sha256 hex, stable and distinct per key", () => {
  const key = generateApiKey();
  assert.match(hashApiKey(key), /^[0-9a-f]{64}$/);
  assert.equal(hashApiKey(key), hashApiKey(key));
  assert.notEqual(hashApiKey(key), hashApiKey(generateApiKey()));
  assert.equal(hashApiKey("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});

test("safeEqual compares secrets of any length", () => {
  assert.equal(safeEqual("a-bootstrap-admin-key-0001", "a-bootstrap-admin-key-0001"), true);
  assert.equal(safeEqual("a-bootstrap-admin-key-0001", "a-bootstrap-admin-key-0002"), false);
  assert.equal(safeEqual("short", "a-much-longer-secret"), false);
  assert.equal(safeEqual("", ""), true);
});

test("credentialFrom reads Bearer (any case), then X-API-Key; other schemes are ignored", () => {
  assert.equal(credentialFrom({ authorization: "Bearer sy-abc" }), "sy-abc");
  assert.equal(credentialFrom({ authorization: "bearer   sy-abc " }), "sy-abc");
  assert.equal(credentialFrom({ "x-api-key": " sy-xyz " }), "sy-xyz");
  assert.equal(credentialFrom({ authorization: "Bearer sy-abc", "x-api-key": "sy-xyz" }), "sy-abc");
  assert.equal(credentialFrom({ authorization: "Basic dXNlcjpwYXNz", "x-api-key": "sy-xyz" }), "sy-xyz");
  assert.equal(credentialFrom({ authorization: "Basic dXNlcjpwYXNz" }), undefined);
  assert.equal(credentialFrom({ authorization: "Bearer" }), undefined);
  assert.equal(credentialFrom({ authorization: "Bearer two words" }), undefined);
  assert.equal(credentialFrom({}), undefined);
});

test("claimAt follows dot paths and prefers an exact (namespaced) claim name", () => {
  const payload = { sub: "u1", realm_access: { roles: ["admin"] }, "https://example.com/roles": ["ops"], list: [1] };
  assert.deepEqual(claimAt(payload, "realm_access.roles"), ["admin"]);
  assert.deepEqual(claimAt(payload, "https://example.com/roles"), ["ops"]);
  assert.equal(claimAt(payload, "sub"), "u1");
  assert.equal(claimAt(payload, "realm_access.missing"), undefined);
  assert.equal(claimAt(payload, "sub.length"), undefined, "no walking into strings");
  assert.equal(claimAt(payload, "list.0"), undefined, "no walking into arrays");
  assert.equal(claimAt(payload, "constructor"), undefined, "only own properties");
});

test("the TTL cache expires entries and keeps to its size", () => {
  let now = 0;
  const cache = createTtlCache<string>({ ttlMs: 100, maxEntries: 2, now: () => now });
  cache.set("a", "A");
  cache.set("b", "B");
  cache.set("c", "C");
  assert.equal(cache.size, 2);
  assert.equal(cache.get("a"), undefined, "the oldest went first");
  assert.equal(cache.get("c"), "C");
  now = 100;
  assert.equal(cache.get("c"), undefined, "expired");
  cache.set("d", "D");
  cache.deleteWhere((value) => value === "D");
  assert.equal(cache.get("d"), undefined);
});
