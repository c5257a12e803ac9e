import { test } from "node:test";
import assert from "node:assert/strict";
import { uuidV7 } from "../../src/observability/uuidV7.js";
import { newTraceId } from "../../src/http/traceId.js";

const uuidV7Shape = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("uuidV7 is an RFC 9562 version 7 UUID carrying its millisecond", () => {
  const at = Date.UTC(2026, 11, 7, 12, 30, 15, 123);
  const id = uuidV7(at);
  assert.match(id, uuidV7Shape);
  assert.equal(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16), at);
});

test("uuidV7 sorts by time and does not repeat within a millisecond", () => {
  const earlier = uuidV7(1_700_000_000_000);
  const later = uuidV7(1_700_000_000_001);
  assert.ok(earlier < later, `${earlier} < ${later}`);
  const same = new Set(Array.from({ length: 10_000 }, () => uuidV7(1_700_000_000_000)));
  assert.equal(same.size, 10_000);
  for (const id of same) assert.match(id, uuidV7Shape);
});

test("uuidV7's variant nibble takes all four values", () => {
  const variants = new Set(Array.from({ length: 400 }, () => uuidV7().charAt(19)));
  assert.deepEqual([...variants].sort(), ["8", "9", "a", "b"]);
});

test("a new trace id is W3C-shaped, led by its millisecond, and unique", () => {
  const at = Date.UTC(2026, 11, 7);
  const id = newTraceId(at);
  assert.match(id, /^[0-9a-f]{32}$/);
  assert.equal(Number.parseInt(id.slice(0, 12), 16), at);
  assert.ok(newTraceId(at) < newTraceId(at + 1));
  assert.equal(new Set(Array.from({ length: 10_000 }, () => newTraceId(at))).size, 10_000);
});
