/**
 * The dispatcher against a real HTTP receiver and a real store (both dialects): signed deliveries, retries with
 * backoff after a failure, every attempt recorded, and a clean stop.
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { createWebhookDispatcher, type WebhookDispatcher } from "../../src/webhooks/createWebhookDispatcher.js";
import { verifyWebhook } from "../../src/webhooks/verifyWebhook.js";
import { createLogger } from "../../src/logger.js";
import { eachDialect } from "../store/eachDialect.js";
import { eventually } from "../support/eventually.js";
import { startWebhookReceiver, type WebhookReceiver } from "./webhookReceiver.js";

const secret = "whsec_dispatcher_test_secret";
let receiver: WebhookReceiver;

before(async () => {
  receiver = await startWebhookReceiver();
});
after(() => receiver.close());
beforeEach(() => {
  receiver.received = [];
  receiver.status = () => 204;
});

eachDialect("webhook dispatcher", (context) => {
  const dispatchers: WebhookDispatcher[] = [];
  const dispatcher = (overrides: { maxAttempts?: number; url?: string } = {}) => {
    const created = createWebhookDispatcher({
      store: context.store.webhooks,
      configured: [{ url: overrides.url ?? receiver.url, secret, events: ["budget.threshold", "engine.breaker_open"] }],
      logger: createLogger("silent"),
      maxAttempts: overrides.maxAttempts ?? 3,
      baseDelayMs: 10,
      timeoutMs: 2000,
      random: () => 0.5,
    });
    dispatchers.push(created);
    return created;
  };
  after(async () => {
    await Promise.all(dispatchers.map((d) => d.stop()));
  });

  test("delivers a signed JSON event and records it as delivered", async () => {
    const d = dispatcher();
    await d.emit("budget.threshold", { subject: "user", userId: "u1", threshold: 0.8 });
    const [delivery] = await eventually(async () => (receiver.received.length === 1 ? receiver.received : undefined), 5000, "a delivery");
    assert.ok(delivery);
    assert.equal(delivery.headers["content-type"], "application/json");
    assert.equal(delivery.headers["x-switchyard-event"], "budget.threshold");
    assert.equal(verifyWebhook(secret, delivery.headers["x-switchyard-signature"] as string, delivery.body), true);
    const body = JSON.parse(delivery.body) as { id: string; event: string; data: { userId: string } };
    assert.equal(body.event, "budget.threshold");
    assert.equal(body.data.userId, "u1");
    assert.equal(delivery.headers["x-switchyard-delivery"], body.id);
    const record = await eventually(async () => {
      const page = await context.store.webhooks.listDeliveries({ subscriptionId: "config:0" }, { limit: 10 });
      const found = page.items.find((item) => item.id === body.id);
      return found?.status === "delivered" ? found : undefined;
    }, 5000, "the delivered record");
    assert.deepEqual([record.attempts, record.lastStatus, record.event, record.payload], [1, 204, "budget.threshold", delivery.body]);
  });

  test("retries after a 500 with a fresh signature, recording each attempt", async () => {
    receiver.status = (n) => (n === 0 ? 500 : 200);
    const d = dispatcher();
    await d.emit("engine.breaker_open", { engine: "vllm" });
    await eventually(async () => receiver.received.length >= 2, 5000, "the retry");
    for (const delivery of receiver.received) assert.equal(verifyWebhook(secret, delivery.headers["x-switchyard-signature"] as string, delivery.body), true);
    assert.equal(receiver.received[0]?.body, receiver.received[1]?.body, "the same delivery, sent again");
    const id = (JSON.parse(receiver.received[0]?.body ?? "{}") as { id: string }).id;
    const record = await eventually(async () => {
      const page = await context.store.webhooks.listDeliveries({}, { limit: 50 });
      const found = page.items.find((item) => item.id === id);
      return found?.status === "delivered" ? found : undefined;
    }, 5000, "the delivered record");
    assert.deepEqual([record.attempts, record.lastStatus, record.lastError], [2, 200, null]);
  });

  test("gives up after maxAttempts and records the failure", async () => {
    receiver.status = () => 503;
    const d = dispatcher({ maxAttempts: 2 });
    await d.emit("budget.threshold", { n: 1 });
    const failed = await eventually(async () => {
      const page = await context.store.webhooks.listDeliveries({ status: "failed" }, { limit: 10 });
      return page.items[0];
    }, 5000, "a failed delivery");
    assert.deepEqual([failed.attempts, failed.lastStatus, failed.lastError], [2, 503, "the receiver answered 503"]);
    assert.equal(receiver.received.length, 2);
  });

  test("an unreachable receiver is a recorded failure, not a crash", async () => {
    const d = dispatcher({ maxAttempts: 1, url: "http://127.0.0.1:1/hook" });
    await d.emit("budget.threshold", { n: 2 });
    const failed = await eventually(async () => {
      const page = await context.store.webhooks.listDeliveries({ status: "failed" }, { limit: 50 });
      return page.items.find((item) => item.lastStatus === null);
    }, 5000, "a failed delivery");
    assert.match(failed.lastError ?? "", /ECONNREFUSED|connect/i);
  });

  test("stored subscriptions get their events; events they did not ask for are not sent", async () => {
    const stored = await context.store.webhooks.createSubscription({ url: receiver.url, secret: "whsec_stored_subscription", events: ["engine.breaker_closed"] });
    const d = dispatcher();
    await d.emit("engine.breaker_closed", { engine: "vllm" });
    const [delivery] = await eventually(async () => (receiver.received.length === 1 ? receiver.received : undefined), 5000, "a delivery");
    assert.equal(verifyWebhook("whsec_stored_subscription", delivery?.headers["x-switchyard-signature"] as string, delivery?.body ?? ""), true);
    const page = await context.store.webhooks.listDeliveries({ subscriptionId: stored.id }, { limit: 10 });
    assert.equal(page.items.length, 1);
    assert.equal(await context.store.webhooks.deleteSubscription(stored.id), true);
    assert.equal(await context.store.webhooks.deleteSubscription(stored.id), false);
  });

  test("stop lets due deliveries go out, and nothing is sent after it", async () => {
    const d = dispatcher();
    void d.emit("budget.threshold", { n: 3 });
    await d.stop();
    assert.equal(receiver.received.length, 1);
    await d.emit("budget.threshold", { n: 4 });
    assert.equal(receiver.received.length, 1);
  });
});
