import { test } from "node:test";
import assert from "node:assert/strict";
import { createAsyncQueue } from "../../../src/engines/local/createAsyncQueue.js";

const live = () => new AbortController().signal;

test("delivers pushed values in order, then done", async () => {
  const queue = createAsyncQueue<number>();
  queue.push(1);
  const second = queue.shift(live());
  queue.end();
  assert.deepEqual(await second, { done: false, value: 1 });
  queue.push(2); // after end: dropped
  assert.deepEqual(await queue.shift(live()), { done: true, value: undefined });
});

test("a waiting consumer wakes on push", async () => {
  const queue = createAsyncQueue<string>();
  const next = queue.shift(live());
  queue.push("a");
  assert.deepEqual(await next, { done: false, value: "a" });
});

test("buffered values come before the failure", async () => {
  const queue = createAsyncQueue<number>();
  queue.push(1);
  queue.fail(new Error("boom"));
  assert.deepEqual(await queue.shift(live()), { done: false, value: 1 });
  await assert.rejects(queue.shift(live()), /boom/);
});

test("an abort rejects at once, even with values buffered", async () => {
  const queue = createAsyncQueue<number>();
  const controller = new AbortController();
  const waiting = queue.shift(controller.signal);
  controller.abort();
  await assert.rejects(waiting, { name: "AbortError" });
  queue.push(1);
  await assert.rejects(queue.shift(controller.signal), { name: "AbortError" });
});
