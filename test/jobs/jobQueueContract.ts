/**
 * The contract both job queues run (in-process, and BullMQ on the real Redis): retries with exponential backoff,
 * exhausted attempts, retry of a failed job, listing, ids, delays, and a close that lets running jobs finish and
 * aborts them past the grace period.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { JobQueue } from "../../src/jobs/jobQueue.js";
import { eventually } from "../support/eventually.js";

export interface QueueSubject {
  /** A fresh queue; every queue made by one subject shares its backend (one Redis prefix for BullMQ). */
  make(): JobQueue;
  dispose(): Promise<void>;
}

export function runJobQueueContract(label: string, subject: () => QueueSubject): void {
  const withQueue = (name: string, body: (queue: JobQueue, s: QueueSubject) => Promise<void>) =>
    // Only registers the case: the runner awaits it, as it does a top-level test().
    void test(`${label} job queue: ${name}`, async () => {
      const s = subject();
      const queue = s.make();
      try {
        await body(queue, s);
      } finally {
        await queue.close(1000);
        await s.dispose();
      }
    });

  withQueue("a failing job is retried with exponential backoff, then succeeds", async (queue) => {
    const runs: Array<{ attempt: number; at: number }> = [];
    queue.define<{ n: number }, { doubled: number }>("flaky", {
      attempts: 4,
      backoffMs: 100,
      async handler(data, { attempt }) {
        runs.push({ attempt, at: Date.now() });
        if (attempt < 3) throw new Error(`transient failure ${attempt}`);
        return { doubled: data.n * 2 };
      },
    });
    await queue.start();
    const id = await queue.enqueue("flaky", { n: 21 });
    const done = await eventually(async () => {
      const record = await queue.get(id);
      return record?.state === "completed" ? record : undefined;
    }, 10_000, "the job to complete");
    assert.deepEqual(done.result, { doubled: 42 });
    assert.equal(done.attempts, 3);
    assert.deepEqual(runs.map((run) => run.attempt), [1, 2, 3]);
    const [first, second, third] = runs.map((run) => run.at) as [number, number, number];
    assert.ok(second - first >= 95, `first retry after ≥ 100 ms (was ${second - first})`);
    assert.ok(third - second >= 195, `second retry after ≥ 200 ms (was ${third - second})`);
  });

  withQueue("attempts run out: failed, listed by state and name, onFailed told once; a retry runs it again", async (queue) => {
    let fail = true;
    const failures: string[] = [];
    queue.define<{ who: string }, string>("doomed", {
      attempts: 2,
      backoffMs: 10,
      async handler(data) {
        if (fail) throw new Error(`no luck for ${data.who}`);
        return `done for ${data.who}`;
      },
      async onFailed(data, error) {
        failures.push(`${data.who}: ${error.message}`);
      },
    });
    queue.define("other", { async handler() { return 1; } });
    await queue.start();
    const id = await queue.enqueue("doomed", { who: "ann" });
    await queue.enqueue("other", {});
    const failed = await eventually(async () => {
      const record = await queue.get(id);
      return record?.state === "failed" ? record : undefined;
    }, 10_000, "the job to fail");
    assert.equal(failed.attempts, 2);
    assert.equal(failed.maxAttempts, 2);
    assert.equal(failed.error, "no luck for ann");
    await eventually(() => failures.length === 1, 5000, "onFailed");
    assert.deepEqual(failures, ["ann: no luck for ann"]);
    const listed = await queue.list({ state: "failed", limit: 10 });
    assert.deepEqual(listed.map((job) => [job.id, job.name]), [[id, "doomed"]]);
    assert.deepEqual(await queue.list({ state: "failed", name: "other", limit: 10 }), []);
    assert.equal((await queue.list({ name: "doomed", limit: 10 })).length, 1);

    assert.equal(await queue.retry("no-such-job"), "not_found");
    fail = false;
    assert.equal(await queue.retry(id), "retried");
    const completed = await eventually(async () => {
      const record = await queue.get(id);
      return record?.state === "completed" ? record : undefined;
    }, 10_000, "the retried job to complete");
    assert.equal(completed.result, "done for ann");
    assert.equal(await queue.retry(id), "not_failed", "only a failed job can be retried");
    assert.equal(failures.length, 1);
  });

  withQueue("a job id is used once; a delayed job waits its turn; waiting jobs are counted", async (queue) => {
    const seen: string[] = [];
    queue.define<string, void>("once", {
      async handler(data) {
        seen.push(data);
      },
    });
    const before = Date.now();
    const delayed = await queue.enqueue("once", "later", { delayMs: 300, jobId: "fixed-id-1" });
    assert.equal(delayed, "fixed-id-1");
    assert.equal(await queue.enqueue("once", "again", { jobId: "fixed-id-1" }), "fixed-id-1", "the same id is not added twice");
    await queue.enqueue("once", "now");
    assert.deepEqual(await queue.waitingCounts(), { once: 2 });
    assert.equal((await queue.get("fixed-id-1"))?.state, "delayed");
    await queue.start();
    await eventually(() => seen.length === 2, 10_000, "both jobs");
    assert.deepEqual(seen, ["now", "later"]);
    const ran = await queue.get("fixed-id-1");
    assert.ok((ran?.startedAt ?? 0) - before >= 290, "the delayed job ran after its delay");
    assert.deepEqual(await queue.waitingCounts(), { once: 0 });
  });

  withQueue("close lets a running job finish; past the grace period it aborts the job's signal", async (queue, s) => {
    let finished = false;
    queue.define("slow", {
      async handler() {
        await new Promise((resolve) => setTimeout(resolve, 300));
        finished = true;
        return "finished";
      },
    });
    await queue.start();
    const id = await queue.enqueue("slow", {});
    await eventually(async () => (await queue.get(id))?.state === "active", 5000, "the job to start");
    await queue.close(5000);
    assert.equal(finished, true, "close waited for the running job");

    const second = s.make();
    let aborted: unknown;
    second.define("stuck", {
      async handler(_data, { signal }) {
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
        aborted = signal.reason;
        throw signal.reason;
      },
    });
    await second.start();
    const stuck = await second.enqueue("stuck", {});
    await eventually(async () => (await second.get(stuck))?.state === "active", 5000, "the stuck job to start");
    const closedAt = Date.now();
    await second.close(100);
    assert.ok(aborted !== undefined, "the handler's signal fired");
    assert.ok(Date.now() - closedAt < 3000, "close did not wait past the grace period");
    await assert.rejects(second.enqueue("stuck", {}), /closed/);
  });
}
