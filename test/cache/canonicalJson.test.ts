/** The cache key's canonical JSON: the same value whatever the order of its keys, and nothing lost. */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { canonicalJson } from "../../src/cache/canonicalJson.js";

/** The same value with every object's keys in reverse order. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value === null || typeof value !== "object") return value;
  // No prototype, so a "__proto__" key fast-check generates stays a key here too.
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value).reverse()) out[key] = reversed((value as Record<string, unknown>)[key]);
  return out;
}

test("key order does not change the canonical form, and the form parses back to the value", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const canonical = canonicalJson(value);
      assert.equal(canonicalJson(reversed(value)), canonical);
      assert.deepEqual(JSON.parse(canonical), JSON.parse(JSON.stringify(value)));
    }),
    { numRuns: 500 },
  );
});

test("keys are sorted at every depth; undefined members are dropped; a __proto__ key stays a key", () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
  const poisoned = JSON.parse('{"z":1,"__proto__":{"x":1}}') as unknown;
  assert.equal(canonicalJson(poisoned), '{"__proto__":{"x":1},"z":1}');
  assert.equal(canonicalJson(reversed(poisoned)), '{"__proto__":{"x":1},"z":1}');
  assert.equal(canonicalJson(undefined), "null");
});
