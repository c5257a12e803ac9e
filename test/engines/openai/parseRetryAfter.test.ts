import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRetryAfter } from "../../../src/engines/openai/parseRetryAfter.js";

const now = Date.parse("2025-01-01T00:00:00Z");

test("Retry-After in seconds, rounded up", () => {
  assert.equal(parseRetryAfter("7", undefined, now), 7);
  assert.equal(parseRetryAfter(" 0 ", undefined, now), 0);
  assert.equal(parseRetryAfter("1.2", undefined, now), 2);
});

test("Retry-After as an HTTP date, never negative", () => {
  assert.equal(parseRetryAfter("Wed, 01 Jan 2025 00:00:30 GMT", undefined, now), 30);
  assert.equal(parseRetryAfter("Tue, 31 Dec 2024 23:59:00 GMT", undefined, now), 0);
});

test("retry-after-ms wins and rounds up to whole seconds", () => {
  assert.equal(parseRetryAfter("30", "1500", now), 2);
  assert.equal(parseRetryAfter(undefined, "20", now), 1);
  assert.equal(parseRetryAfter("4", "soon", now), 4);
});

test("absent or unreadable values give undefined", () => {
  assert.equal(parseRetryAfter(undefined, undefined, now), undefined);
  assert.equal(parseRetryAfter("", undefined, now), undefined);
  assert.equal(parseRetryAfter("later", undefined, now), undefined);
  assert.equal(parseRetryAfter("-3", undefined, now), undefined);
});
