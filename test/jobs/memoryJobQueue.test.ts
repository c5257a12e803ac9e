import { test } from "node:test";
import assert from "node:assert/strict";
import { createMemoryJobQueue } from "../../src/jobs/createMemoryJobQueue.js";
import { jobsSchema } from "../../src/config/jobsSchema.js";
import { createLogger } from "../../src/logger.js";
import { eventually } from "../support/eventually.js";
import { runJobQueueContract } from "./jobQueueContract.js";

const make = (overrides: Record<string, unknown> = {}) => createMemoryJobQueue({ config: jobsSchema.parse(overrides), logger: createLogger("silent") });

runJobQueueContract("memory", () => ({ make: () => make(), dispose: async () => undefined }));

test("memory job queue: a scheduled job runs once per interval and never doubles up", async () => {
  const queue = make();
  let runs = 0;
  let overlapping = 0;
  let active = 0;
  queue.define("tick", {
    async handler() {
      runs++;
      active++;
      overlapping = Math.max(overlapping, active);
      await new Promise((resolve) => setTimeout(resolve, 30));
      active--;
    },
  });
  await queue.start();
  const startedAt = Date.now();
  await queue.schedule("tick", 100);
  await eventually(() => runs >= 3, 5000, "three runs");
  const elapsed = Date.now() - startedAt;
  assert.ok(runs <= Math.floor(elapsed / 100) + 1, `${runs} runs in ${elapsed} ms`);
  assert.equal(overlapping, 1);
  await queue.close(1000);
});

test("memory job queue: finished jobs are kept up to keepCompleted / keepFailed", async () => {
  const queue = make({ keepCompleted: 2, keepFailed: 1, attempts: 1 });
  queue.define<number, number>("n", {
    async handler(n) {
      if (n < 0) throw new Error("negative");
      return n;
    },
  });
  await queue.start();
  for (const n of [1, 2, 3, -1, -2]) await queue.enqueue("n", n);
  await eventually(async () => (await queue.list({ state: "failed", limit: 10 })).length === 1 && (await queue.list({ state: "completed", limit: 10 })).length === 2, 5000, "pruned lists");
  const completed = await queue.list({ state: "completed", limit: 10 });
  assert.deepEqual(completed.map((job) => job.result).sort(), [2, 3]);
  assert.throws(() => queue.define("n", { handler: async () => 0 }), /already defined|after start/);
  await assert.rejects(queue.enqueue("unknown", {}), /no job named/);
  await queue.close(1000);
});
