/**
 * Webhook deliveries as background jobs: with BullMQ they are kept in Redis, so a delivery (and a retry waiting
 * for its turn) survives a restart and any replica sends it. The dispatcher keeps its own backoff (5 s · 4^n,
 * with jitter) and records every attempt on the delivery, so each job is one attempt: the queue does not retry
 * it, and the delivery record (`/api/v2/admin/webhooks/deliveries`) is where a failed delivery shows.
 */
import type { Logger } from "../logger.js";
import type { JobQueue } from "../jobs/jobQueue.js";
import type { DeliveryJob, DeliveryQueue, DeliveryWorker } from "./deliveryQueue.js";

export const WEBHOOK_DELIVERY_JOB = "webhook.delivery";

export function createJobDeliveryQueue(jobs: JobQueue, logger: Logger, options: { concurrency?: number } = {}): DeliveryQueue {
  let worker: DeliveryWorker | undefined;
  jobs.define<DeliveryJob, void>(WEBHOOK_DELIVERY_JOB, {
    attempts: 1,
    concurrency: options.concurrency ?? 8,
    async handler(job, { signal }) {
      if (worker === undefined) throw new Error("no webhook dispatcher is attached to the delivery queue");
      await worker(job, signal);
      // Cut by shutdown, the delivery is still pending: failing the run lets BullMQ put it back for later.
      if (signal.aborted) throw signal.reason;
    },
  });
  return {
    enqueue(job, delayMs) {
      // One job per attempt; the id keeps a replayed enqueue from sending the same attempt twice.
      jobs.enqueue(WEBHOOK_DELIVERY_JOB, job, { delayMs, jobId: `${job.deliveryId}-${job.attempt}` }).catch((error: unknown) =>
        logger.error({ err: error, deliveryId: job.deliveryId }, "queueing a webhook delivery failed: it stays pending"),
      );
    },
    process(next) {
      worker = next;
    },
    // The job queue belongs to the process and is closed by it; deliveries waiting in it are kept there.
    stop: async () => 0,
  };
}
