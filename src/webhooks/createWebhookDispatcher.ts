/**
 * Sends events to the webhook subscriptions that want them (from the configuration file and the admin API).
 * Every delivery is recorded before it is sent, signed afresh on each attempt (`X-Switchyard-Signature`), and
 * retried with exponential backoff until it succeeds or runs out of attempts; each attempt updates the record.
 * Emitting never throws and never waits on the receivers.
 */
import { randomUUID } from "node:crypto";
import type { WebhookConfig } from "../config/securitySchema.js";
import type { Logger } from "../logger.js";
import type { WebhookStore } from "../store/webhookStore.js";
import { createMemoryDeliveryQueue, type DeliveryJob, type DeliveryQueue } from "./deliveryQueue.js";
import { createWebhookPoster, type WebhookPoster } from "./createWebhookPoster.js";
import { SIGNATURE_HEADER, signWebhook } from "./signWebhook.js";
import type { WebhookEventName } from "./webhookEventName.js";

export interface WebhookDispatcher {
  /** Records and queues a delivery to every subscription of `event`; resolves once queued (callers need not wait). */
  emit(event: WebhookEventName, data: object): Promise<void>;
  /**
   * Like emit, but rejects when the deliveries could not be recorded and queued, for callers that retry (a job).
   * A retry after a partial failure records a second delivery for the subscriptions the first try reached.
   */
  publish(event: WebhookEventName, data: object): Promise<void>;
  /** Waits for emits in progress and deliveries due now (up to `graceMs`); retries still waiting stay `pending`. */
  stop(graceMs?: number): Promise<void>;
}

export interface WebhookDispatcherDeps {
  store: WebhookStore;
  configured: readonly WebhookConfig[];
  logger: Logger;
  queue?: DeliveryQueue;
  poster?: WebhookPoster;
  /** Attempts per delivery, the first included. */
  maxAttempts?: number;
  /** The wait before the second attempt; each later one waits 4 times longer (±20 %), up to 10 minutes. */
  baseDelayMs?: number;
  timeoutMs?: number;
  random?: () => number;
}

interface Target {
  url: string;
  secret: string;
}

const CONFIG_PREFIX = "config:";
const MAX_DELAY_MS = 600_000;

export function createWebhookDispatcher(deps: WebhookDispatcherDeps): WebhookDispatcher {
  const { store, logger } = deps;
  const queue = deps.queue ?? createMemoryDeliveryQueue();
  const poster = deps.poster ?? createWebhookPoster({ timeoutMs: deps.timeoutMs ?? 10_000 });
  const maxAttempts = deps.maxAttempts ?? 5;
  const baseDelayMs = deps.baseDelayMs ?? 5_000;
  const random = deps.random ?? Math.random;
  const emitting = new Set<Promise<void>>();
  let stopped = false;

  const targetOf = async (subscriptionId: string): Promise<Target | undefined> => {
    if (subscriptionId.startsWith(CONFIG_PREFIX)) return deps.configured[Number(subscriptionId.slice(CONFIG_PREFIX.length))];
    return store.getSubscription(subscriptionId);
  };

  const backoff = (attempt: number) => {
    const delay = Math.min(MAX_DELAY_MS, baseDelayMs * 4 ** (attempt - 1));
    return Math.round(delay * (0.8 + 0.4 * random()));
  };

  const deliver = async (job: DeliveryJob, signal: AbortSignal): Promise<void> => {
    try {
      const target = await targetOf(job.subscriptionId);
      if (target === undefined) {
        await store.recordAttempt(job.deliveryId, failed(job.attempt - 1, null, "the subscription was deleted"));
        return;
      }
      const result = await poster.post(
        target.url,
        {
          "content-type": "application/json",
          "user-agent": "Switchyard-Webhooks/1",
          "x-switchyard-event": job.event,
          "x-switchyard-delivery": job.deliveryId,
          // Signed at send time, so a retry minutes later still passes the receiver's timestamp tolerance.
          [SIGNATURE_HEADER]: signWebhook(target.secret, job.body),
        },
        job.body,
        signal,
      );
      if (result.ok) {
        await store.recordAttempt(job.deliveryId, {
          status: "delivered",
          attempts: job.attempt,
          lastStatus: result.status,
          lastError: null,
          nextAttemptAt: null,
          deliveredAt: Date.now(),
        });
        return;
      }
      if (signal.aborted) {
        // Cut by shutdown: not the receiver's failure; the record stays pending.
        await store.recordAttempt(job.deliveryId, { ...failed(job.attempt, result.status, result.error), status: "pending" });
        return;
      }
      if (job.attempt >= maxAttempts) {
        logger.warn({ deliveryId: job.deliveryId, event: job.event, attempts: job.attempt, error: result.error }, "webhook delivery failed");
        await store.recordAttempt(job.deliveryId, failed(job.attempt, result.status, result.error));
        return;
      }
      const delay = backoff(job.attempt);
      await store.recordAttempt(job.deliveryId, {
        status: "pending",
        attempts: job.attempt,
        lastStatus: result.status,
        lastError: result.error,
        nextAttemptAt: Date.now() + delay,
        deliveredAt: null,
      });
      queue.enqueue({ ...job, attempt: job.attempt + 1 }, delay);
    } catch (error) {
      logger.error({ err: error, deliveryId: job.deliveryId }, "recording a webhook delivery failed");
    }
  };
  queue.process(deliver);

  const fanOut = async (event: WebhookEventName, data: object): Promise<void> => {
    const stored = await store.listSubscriptions();
    const targets = [
      ...deps.configured.flatMap((config, index) => (config.events.includes(event) ? [`${CONFIG_PREFIX}${index}`] : [])),
      ...stored.filter((subscription) => subscription.events.includes(event)).map((subscription) => subscription.id),
    ];
    const createdAt = new Date().toISOString();
    for (const subscriptionId of targets) {
      const deliveryId = randomUUID();
      // The delivery id is in the body (and a header) so receivers can drop duplicates of a retried delivery.
      const body = JSON.stringify({ id: deliveryId, event, createdAt, data });
      await store.createDelivery({ id: deliveryId, subscriptionId, event, payload: body });
      queue.enqueue({ deliveryId, subscriptionId, event, body, attempt: 1 }, 0);
    }
  };

  return {
    emit(event, data) {
      if (stopped) {
        logger.warn({ event }, "webhook event after shutdown began: not sent");
        return Promise.resolve();
      }
      const work: Promise<void> = fanOut(event, data)
        .catch((error: unknown) => logger.error({ err: error, event }, "queueing a webhook event failed"))
        .finally(() => emitting.delete(work));
      emitting.add(work);
      return work;
    },
    async publish(event, data) {
      if (stopped) throw new Error(`webhook event ${event} after shutdown began: not sent`);
      const work = fanOut(event, data);
      const settled: Promise<void> = work.then(
        () => undefined,
        () => undefined,
      );
      emitting.add(settled);
      void settled.finally(() => emitting.delete(settled));
      await work;
    },
    async stop(graceMs = 5_000) {
      if (stopped) return;
      stopped = true;
      await Promise.allSettled([...emitting]);
      const dropped = await queue.stop(graceMs);
      if (dropped > 0) logger.warn({ deliveries: dropped }, "webhook retries left pending at shutdown");
      await poster.close();
    },
  };
}

function failed(attempts: number, lastStatus: number | null, lastError: string | null) {
  return { status: "failed" as const, attempts, lastStatus, lastError, nextAttemptAt: null, deliveredAt: null };
}
