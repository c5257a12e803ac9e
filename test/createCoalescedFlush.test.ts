/**
 * The coalesced flush the buffered writers share: one write at a time, and calls made while one runs share a
 * single follow-up write, so nothing added meanwhile is left out and no write runs beside another.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCoalescedFlush } from "../src/createCoalescedFlush.js";

/** A write that stays open until released, recording how many ran and how many at once. */
function gatedWrite() {
  const releases: Array<() => void> = [];
  const state = { started: 0, running: 0, most: 0 };
  const write = () => {
    state.started += 1;
    state.running += 1;
    state.most = Math.max(state.most, state.running);
    return new Promise<void>((resolve) => releases.push(resolve)).finally(() => {
      state.running -= 1;
    });
  };
  const releaseNext = async () => {
    // Let the follow-up (chained on the previous write's end) start before looking for its gate.
    for (let i = 0; i < 5 && releases.length === 0; i++) await Promise.resolve();
    releases.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { write, state, releaseNext };
}

test("calls while a write runs share one follow-up write; no two writes run at once", async () => {
  const { write, state, releaseNext } = gatedWrite();
  const flush = createCoalescedFlush(write);
  const first = flush();
  assert.equal(flush.running(), true);
  const second = flush();
  const third = flush();
  assert.strictEqual(second, third, "the callers meanwhile share one follow-up");
  assert.equal(state.started, 1, "the follow-up waits for the running write");

  await releaseNext();
  await first;
  assert.equal(state.started, 2, "the follow-up started once the first ended");
  await releaseNext();
  await second;
  assert.equal(state.started, 2);
  assert.equal(state.most, 1, "never two at once");
  assert.equal(flush.running(), false);
});

test("a failed write rejects its callers and the next call writes again", async () => {
  let calls = 0;
  const flush = createCoalescedFlush(async () => {
    calls += 1;
    if (calls === 1) throw new Error("store down");
  });
  await assert.rejects(flush(), /store down/);
  assert.equal(flush.running(), false);
  await flush();
  assert.equal(calls, 2);
});
