/**
 * The BullMQ queue on the real Redis (127.0.0.1:6379) under a random key prefix: the shared contract, the
 * cluster-safe key prefix, and a repeating job that two replicas run once per interval between them.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { bullPrefixOf, createBullJobQueue } from "../../src/jobs/createBullJobQueue.js";
import { jobsSchema } from "../../src/config/jobsSchema.js";
import { redisSchema } from "../../src/config/redisSchema.js";
import { createLogger } from "../../src/logger.js";
import type { JobQueue } from "../../src/jobs/jobQueue.js";
import { eventually } from "../support/eventually.js";
import { runJobQueueContract } from "./jobQueueContract.js";

const redisUrl = process.env.SWITCHYARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const admin = new Redis(redisUrl);
const prefixes: string[] = [];

const subject = () => {
  const keyPrefix = `sy-test-${randomBytes(4).toString("hex")}:`;
  prefixes.push(keyPrefix);
  const queues: JobQueue[] = [];
  return {
    keyPrefix,
    make() {
      const queue = createBullJobQueue({
        config: jobsSchema.parse({}),
        redis: redisSchema.parse({ url: redisUrl, keyPrefix }),
        logger: createLogger("silent"),
      });
      queues.push(queue);
      return queue;
    },
    async dispose() {
      await Promise.all(queues.map((queue) => queue.close(1000)));
    },
  };
};

after(async () => {
  for (const prefix of prefixes) {
    const keys = await admin.keys(`${bullPrefixOf(prefix)}*`);
    if (keys.length > 0) await admin.del(...keys);
  }
  admin.disconnect();
});

runJobQueueContract("bullmq", subject);

test("bullmq job queue: every key carries the hash tag of the configured prefix", async () => {
  const s = subject();
  const queue = s.make();
  queue.define("tagged", { async handler() { return "ok"; } });
  await queue.start();
  const id = await queue.enqueue("tagged", {});
  await eventually(async () => (await queue.get(id))?.state === "completed", 10_000, "completion");
  const keys = await admin.keys(`*${s.keyPrefix}*`);
  assert.ok(keys.length > 0);
  for (const key of keys) assert.ok(key.startsWith(`{${s.keyPrefix}jobs}:tagged:`), key);
  await s.dispose();
});

test("bullmq job queue: a repeating job runs once per interval across two replicas", async () => {
  const s = subject();
  const runs: Array<{ replica: string; at: number }> = [];
  const replicas = ["a", "b"].map((replica) => {
    const queue = s.make();
    queue.define("maintenance", {
      async handler() {
        runs.push({ replica, at: Date.now() });
      },
    });
    return queue;
  });
  const startedAt = Date.now();
  for (const queue of replicas) {
    await queue.schedule("maintenance", 250);
    await queue.start();
  }
  await eventually(() => runs.length >= 6, 15_000, "six runs");
  const elapsed = Date.now() - startedAt;
  assert.ok(runs.length <= Math.floor(elapsed / 250) + 2, `${runs.length} runs in ${elapsed} ms: not one per replica per interval`);
  const gaps = runs.slice(1).map((run, i) => run.at - (runs[i] as { at: number }).at);
  assert.ok(gaps.every((gap) => gap >= 150), `runs are an interval apart: ${gaps.join(", ")}`);
  await s.dispose();
});
