import { test } from "node:test";
import assert from "node:assert/strict";
import { createSemaphore } from "../src/createSemaphore.js";

const live = () => new AbortController().signal;

test("admits up to the limit, then queues in order and hands slots over directly", async () => {
  const semaphore = createSemaphore(2);
  const releaseA = await semaphore.acquire(live());
  const releaseB = await semaphore.acquire(live());
  const order: string[] = [];
  const c = semaphore.acquire(live()).then((release) => (order.push("c"), release));
  const d = semaphore.acquire(live()).then((release) => (order.push("d"), release));
  assert.deepEqual({ active: semaphore.active, waiting: semaphore.waiting }, { active: 2, waiting: 2 });

  releaseA();
  releaseA(); // a second release is ignored
  assert.deepEqual({ active: semaphore.active, waiting: semaphore.waiting }, { active: 2, waiting: 1 });
  const releaseC = await c;
  releaseB();
  const releaseD = await d;
  assert.deepEqual(order, ["c", "d"]);
  releaseC();
  releaseD();
  assert.deepEqual({ active: semaphore.active, waiting: semaphore.waiting }, { active: 0, waiting: 0 });
});

test("a waiter whose signal aborts leaves the queue at once", async () => {
  const semaphore = createSemaphore(1);
  const release = await semaphore.acquire(live());
  const controller = new AbortController();
  const waiting = semaphore.acquire(controller.signal);
  const behind = semaphore.acquire(live());
  assert.equal(semaphore.waiting, 2);
  controller.abort();
  await assert.rejects(waiting, { name: "AbortError" });
  assert.equal(semaphore.waiting, 1);
  release();
  (await behind)();
  assert.deepEqual({ active: semaphore.active, waiting: semaphore.waiting }, { active: 0, waiting: 0 });
});

test("an already-aborted signal is refused without taking a slot", async () => {
  const semaphore = createSemaphore(1);
  await assert.rejects(semaphore.acquire(AbortSignal.abort()), { name: "AbortError" });
  assert.equal(semaphore.active, 0);
});

test("tryAcquire takes a free slot at once, and never jumps a queue", async () => {
  const semaphore = createSemaphore(1);
  const release = semaphore.tryAcquire();
  assert.ok(release);
  assert.equal(semaphore.tryAcquire(), undefined, "no slot left");
  const waiting = semaphore.acquire(live());
  release();
  // The freed slot went to the waiter, not to whoever asks next.
  assert.equal(semaphore.tryAcquire(), undefined);
  (await waiting)();
  assert.ok(semaphore.tryAcquire());
});

test("with the queue full, a caller is refused at once with the queue's own error", async () => {
  const semaphore = createSemaphore(1, { maxQueue: 1, queueFull: () => new Error("engine e is at capacity") });
  const release = await semaphore.acquire(live());
  const queued = semaphore.acquire(live());
  await assert.rejects(semaphore.acquire(live()), /at capacity/);
  assert.deepEqual({ active: semaphore.active, waiting: semaphore.waiting }, { active: 1, waiting: 1 });
  release();
  (await queued)();
  assert.deepEqual({ active: semaphore.active, waiting: semaphore.waiting }, { active: 0, waiting: 0 });
});
