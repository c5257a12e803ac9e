/**
 * Budget alerts as jobs on the in-process queue: a failed publish is retried with backoff and then sent; one that
 * keeps failing ends failed and listed; the same crossing is queued once; a closed queue falls back to emitting.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createMemoryJobQueue } from "../../src/jobs/createMemoryJobQueue.js";
import { BUDGET_ALERT_JOB, defineBudgetAlertJob, enqueueBudgetAlert } from "../../src/jobs/budgetAlertJob.js";
import { jobsSchema } from "../../src/config/jobsSchema.js";
import { createLogger } from "../../src/logger.js";
import type { ThresholdAlert } from "../../src/metering/createBudgets.js";
import { eventually } from "../support/eventually.js";

const logger = createLogger("silent");
const alert: ThresholdAlert = {
  subject: "user",
  userId: "alice",
  window: "month",
  windowStart: "2026-01-01T00:00:00.000Z",
  budgetUsd: 1,
  spentUsd: 0.8,
  threshold: 0.8,
};

const publisher = (failures: number) => {
  const sent: object[] = [];
  const emitted: object[] = [];
  let calls = 0;
  return {
    sent,
    emitted,
    calls: () => calls,
    async publish(_event: string, data: object) {
      calls++;
      if (calls <= failures) throw new Error("the store is away");
      sent.push(data);
    },
    async emit(_event: string, data: object) {
      emitted.push(data);
    },
  };
};

test("a failed alert is retried with backoff and then sent, once per crossing", async () => {
  const queue = createMemoryJobQueue({ config: jobsSchema.parse({ attempts: 3, backoffMs: 20 }), logger });
  const webhooks = publisher(1);
  defineBudgetAlertJob(queue, webhooks);
  await queue.start();
  enqueueBudgetAlert(queue, webhooks, alert, logger);
  enqueueBudgetAlert(queue, webhooks, alert, logger);
  await eventually(() => webhooks.sent.length === 1, 5000, "the alert");
  const [job] = await queue.list({ name: BUDGET_ALERT_JOB, limit: 10 });
  assert.equal(job?.state, "completed");
  assert.equal(job?.attempts, 2);
  assert.equal(webhooks.calls(), 2, "the duplicate report of the same crossing was not queued again");
  await queue.close(1000);
});

test("an alert that keeps failing ends failed and listed; a closed queue emits directly", async () => {
  const queue = createMemoryJobQueue({ config: jobsSchema.parse({ attempts: 2, backoffMs: 10 }), logger });
  const webhooks = publisher(10);
  defineBudgetAlertJob(queue, webhooks);
  await queue.start();
  enqueueBudgetAlert(queue, webhooks, alert, logger);
  const failed = await eventually(async () => (await queue.list({ state: "failed", limit: 10 }))[0], 5000, "the failed job");
  assert.equal(failed.error, "the store is away");
  assert.deepEqual(failed.data, alert);
  await queue.close(1000);
  enqueueBudgetAlert(queue, webhooks, { ...alert, threshold: 1 }, logger);
  await eventually(() => webhooks.emitted.length === 1, 5000, "the direct emit");
});
