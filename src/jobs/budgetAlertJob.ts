/**
 * Budget threshold alerts as jobs: the meter's alert is queued, and the job records and queues the webhook
 * deliveries, so a store or Redis hiccup is retried (jobs.attempts, with backoff) and a job that still fails
 * shows in `/api/v2/admin/jobs`.
 */
import type { Logger } from "../logger.js";
import type { ThresholdAlert } from "../metering/createBudgets.js";
import type { WebhookDispatcher } from "../webhooks/createWebhookDispatcher.js";
import type { JobQueue } from "./jobQueue.js";

export const BUDGET_ALERT_JOB = "budget.alert";

export function defineBudgetAlertJob(jobs: JobQueue, webhooks: Pick<WebhookDispatcher, "publish">): void {
  jobs.define<ThresholdAlert, void>(BUDGET_ALERT_JOB, {
    handler: (alert) => webhooks.publish("budget.threshold", alert),
  });
}

/**
 * Queues one alert. The job id names the budget, window and threshold, so a second report of the same crossing
 * (another replica, say) is not sent twice while the first job is remembered. When the queue refuses (closed at
 * shutdown, Redis away), the alert is emitted directly rather than lost.
 */
export function enqueueBudgetAlert(jobs: JobQueue, webhooks: Pick<WebhookDispatcher, "emit">, alert: ThresholdAlert, logger: Logger): void {
  const subject = alert.keyId === undefined ? `user-${alert.userId}` : `key-${alert.keyId}`;
  const jobId = `budget-${subject}-${alert.window}-${alert.windowStart}-${alert.threshold}`.replace(/[^A-Za-z0-9_.-]/g, "_");
  jobs.enqueue(BUDGET_ALERT_JOB, alert, { jobId }).catch((error: unknown) => {
    logger.warn({ err: error, alert }, "queueing a budget alert failed: sending it directly");
    void webhooks.emit("budget.threshold", alert);
  });
}
