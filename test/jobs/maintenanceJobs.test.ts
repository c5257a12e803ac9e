/**
 * Roll-ups and retention as background jobs, on both queue backends: a run through the queue rolls the ledger up
 * and purges what has expired, its result is what the admin jobs API shows, and the schedule only includes
 * retention when retention is on.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type Store } from "../../src/store/openStore.js";
import { createJobQueue } from "../../src/jobs/createJobQueue.js";
import type { JobQueue, JobRecord } from "../../src/jobs/jobQueue.js";
import { defineMaintenanceJobs, retentionEnabled, RETENTION_JOB, scheduleMaintenanceJobs, USAGE_ROLLUP_JOB } from "../../src/jobs/maintenanceJobs.js";
import { configSchema, type Config } from "../../src/config/schema.js";
import { createLogger } from "../../src/logger.js";
import { DAY_MS } from "../../src/store/utcDay.js";
import { usageRecord } from "../metering/usageRecord.js";
import { eventually } from "../support/eventually.js";

const redisUrl = process.env.SWITCHYARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const NOW = Date.UTC(2025, 2, 20, 12);

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "sy-maintenance-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function finished(jobs: JobQueue, id: string): Promise<JobRecord> {
  let record: JobRecord | undefined;
  await eventually(async () => {
    record = await jobs.get(id);
    return record?.state === "completed" || record?.state === "failed";
  }, 10_000, `job ${id} finishes`);
  assert.ok(record);
  return record;
}

for (const backend of ["memory", "bullmq"] as const) {
  test(`${backend}: usage.rollup and retention.purge run through the queue and report what they did`, async () => {
    const clock = { now: NOW - 40 * DAY_MS };
    const store: Store = await openStore(`sqlite:${join(dir, `${backend}.db`)}`, { now: () => clock.now });
    const config: Config = configSchema.parse({
      retention: { sessionsDays: 30, ledgerDays: 30 },
      usage: { rollupLookbackDays: 2 },
      ...(backend === "bullmq" ? { redis: { url: redisUrl, keyPrefix: `sy-test-${randomBytes(4).toString("hex")}:` } } : {}),
    });
    const jobs = createJobQueue(config, createLogger("silent"));
    try {
      // An idle session and ledger rows from 40 days ago, and a session and a row from today.
      const old = await store.sessions.create({ userId: "ann" });
      await store.usage.append([usageRecord("ann", { createdAt: NOW - 40 * DAY_MS, inputTokens: 10, outputTokens: 5, costUsd: 0.5 })]);
      clock.now = NOW;
      const recent = await store.sessions.create({ userId: "ann" });
      await store.usage.append([usageRecord("ann", { createdAt: NOW, inputTokens: 1, outputTokens: 1, costUsd: 0.25 })]);

      defineMaintenanceJobs(jobs, store, config, () => NOW);
      await jobs.start();

      // The first roll-up covers the old day too (never rolled up) and today.
      const rollup = await finished(jobs, await jobs.enqueue(USAGE_ROLLUP_JOB, {}));
      assert.equal(rollup.state, "completed", rollup.error);
      const rolled = rollup.result as { days: string[] };
      assert.ok(rolled.days.includes("2025-02-08"), `days: ${rolled.days.join(", ")}`);
      assert.ok(rolled.days.includes("2025-03-20"));

      const purge = await finished(jobs, await jobs.enqueue(RETENTION_JOB, {}));
      assert.equal(purge.state, "completed", purge.error);
      const purged = purge.result as { ran: boolean; deleted: { sessions: number; usageLedger: number } };
      assert.equal(purged.ran, true);
      assert.deepEqual([purged.deleted.sessions, purged.deleted.usageLedger], [1, 1]);

      assert.equal(await store.sessions.get(old.id, "ann"), undefined, "the idle session is gone");
      assert.ok(await store.sessions.get(recent.id, "ann"), "the recent one stays");
      // The old day's totals outlive its ledger rows.
      const totals = await store.rollups.dailyTotals({ from: "2025-02-01", to: "2025-03-21" });
      assert.equal(totals.requests, 2);
      assert.ok(Math.abs(totals.costUsd - 0.75) < 1e-9);
      assert.equal((await store.usage.totals({ from: 0, to: NOW + 1 })).requests, 1);

      await scheduleMaintenanceJobs(jobs, config);
    } finally {
      await jobs.close(1000);
      await store.close();
    }
  });
}

test("retention is scheduled only when it keeps something shorter than forever", async () => {
  const scheduled: string[] = [];
  const recorder = { schedule: async (name: string) => void scheduled.push(name) } as unknown as JobQueue;
  const off = configSchema.parse({});
  assert.equal(retentionEnabled(off), false);
  await scheduleMaintenanceJobs(recorder, off);
  assert.deepEqual(scheduled, [USAGE_ROLLUP_JOB]);
  scheduled.length = 0;
  const on = configSchema.parse({ retention: { ledgerDays: 90 } });
  assert.equal(retentionEnabled(on), true);
  await scheduleMaintenanceJobs(recorder, on);
  assert.deepEqual(scheduled, [USAGE_ROLLUP_JOB, RETENTION_JOB]);
});
