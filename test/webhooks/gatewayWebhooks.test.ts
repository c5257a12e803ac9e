/**
 * Webhooks through a running gateway: budget alerts at 80% and 100% to a subscription from the config file,
 * breaker events to one made through the admin API, every delivery verified with verifyWebhook.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { startGateway, type TestGateway } from "../support/startGateway.js";
import { postJson } from "../support/readSse.js";
import { jsonOf, type ErrorBody } from "../support/apiTypes.js";
import { eventually } from "../support/eventually.js";
import { verifyWebhook } from "../../src/webhooks/verifyWebhook.js";
import { startWebhookReceiver, type WebhookReceiver } from "./webhookReceiver.js";

const configSecret = "whsec_from_the_config_file_0123";
let mock: MockUpstream;
let receiver: WebhookReceiver;
let gateway: TestGateway;
let flakyFails = true;

interface Envelope {
  id: string;
  event: string;
  createdAt: string;
  data: Record<string, unknown>;
}

before(async () => {
  mock = await startMockUpstream();
  mock.script = (request) =>
    request.body.model === "flaky-model" && flakyFails ? { status: 500 } : { chunks: ["ok"], usage: { prompt_tokens: 1, completion_tokens: 2 } };
  receiver = await startWebhookReceiver();
  gateway = await startGateway({
    engines: [
      { name: "vllm", type: "openai", baseUrl: mock.url, models: ["mock-model"] },
      {
        name: "flaky",
        type: "openai",
        baseUrl: mock.url,
        models: ["flaky-model"],
        retry: { attempts: 0 },
        breaker: { failureRatio: 0.5, minRequests: 2, windowMs: 10_000, halfOpenAfterMs: 200 },
      },
    ],
    // 0.1 USD per output token; 2 tokens reserved and charged per request: five requests spend a budget of 1.
    pricing: { "vllm/mock-model": { input: 0, output: 100_000 } },
    budgets: { perUser: { usd: 1, window: "month" } },
    rateLimits: { enabled: false },
    webhooks: [{ url: receiver.url, secret: configSecret, events: ["budget.threshold", "key.created", "key.revoked"] }],
  });
});
after(async () => {
  await gateway.stop();
  await receiver.close();
  await mock.close();
});

const received = (event: string, secret: string) =>
  receiver.received
    .filter((delivery) => delivery.headers["x-switchyard-event"] === event)
    .map((delivery) => {
      assert.equal(verifyWebhook(secret, delivery.headers["x-switchyard-signature"] as string, delivery.body), true, "signed with the subscription's secret");
      return JSON.parse(delivery.body) as Envelope;
    });

test("budget alerts go out at 80% and at 100%, once each", async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) {
    const response = await postJson(`${gateway.url}/v1/chat/completions`, { model: "vllm/mock-model", max_tokens: 2, messages: [{ role: "user", content: "hi" }] });
    statuses.push(response.status);
    await response.text();
    if (i === 2) assert.equal(received("budget.threshold", configSecret).length, 0, "nothing below 80%");
  }
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 402]);
  const alerts = await eventually(async () => {
    const found = received("budget.threshold", configSecret);
    return found.length >= 2 ? found : undefined;
  }, 5000, "two budget alerts");
  assert.deepEqual(
    alerts.map((alert) => alert.data.threshold),
    [0.8, 1],
  );
  const [first] = alerts;
  assert.deepEqual({ ...first?.data, spentUsd: Math.round(Number(first?.data.spentUsd) * 1e9) / 1e9 }, {
    subject: "user",
    userId: "local",
    window: "month",
    windowStart: new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1)).toISOString(),
    budgetUsd: 1,
    spentUsd: 0.8,
    threshold: 0.8,
  });
  const deliveries = await jsonOf<{ data: Array<{ subscriptionId: string; status: string; attempts: number; payload: Envelope }> }>(
    fetch(`${gateway.url}/api/v2/admin/webhooks/deliveries?subscriptionId=config:0`),
  );
  assert.ok(deliveries.data.length >= 2);
  assert.ok(deliveries.data.every((d) => d.subscriptionId === "config:0" && d.payload.event === "budget.threshold"));
});

test("admin API: create (secret shown once), list, deliveries, delete", async () => {
  const bad = await postJson(`${gateway.url}/api/v2/admin/webhooks`, { url: "ftp://example.com/x", events: ["engine.breaker_open"] });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as ErrorBody).error.code, "invalid_request");
  assert.equal((await postJson(`${gateway.url}/api/v2/admin/webhooks`, { url: receiver.url, events: ["no.such_event"] })).status, 400);

  const created = await postJson(`${gateway.url}/api/v2/admin/webhooks`, { url: receiver.url, events: ["engine.breaker_open", "engine.breaker_closed"] });
  assert.equal(created.status, 201);
  const subscription = (await created.json()) as { id: string; secret: string; events: string[]; source: string };
  assert.match(subscription.secret, /^whsec_[A-Za-z0-9_-]{40,}$/);
  assert.equal(subscription.source, "api");

  const listed = await (await fetch(`${gateway.url}/api/v2/admin/webhooks`)).text();
  assert.ok(!listed.includes(subscription.secret) && !listed.includes(configSecret), "no secret is ever listed");
  const ids = (JSON.parse(listed) as { data: Array<{ id: string; source: string }> }).data.map((s) => `${s.id}/${s.source}`);
  assert.deepEqual(ids, ["config:0/config", `${subscription.id}/api`]);

  // Open the flaky engine's breaker, then let it recover.
  for (let i = 0; i < 4; i++) await (await postJson(`${gateway.url}/v1/chat/completions`, { model: "flaky/flaky-model", messages: [{ role: "user", content: "hi" }] })).text();
  const [opened] = await eventually(async () => {
    const found = received("engine.breaker_open", subscription.secret);
    return found.length > 0 ? found : undefined;
  }, 5000, "a breaker_open event");
  assert.deepEqual(opened?.data, { engine: "flaky" });
  flakyFails = false;
  await eventually(async () => {
    const response = await postJson(`${gateway.url}/v1/chat/completions`, { model: "flaky/flaky-model", messages: [{ role: "user", content: "hi" }] });
    await response.text();
    return response.status === 200;
  }, 5000, "the engine to recover");
  const [closed] = await eventually(async () => {
    const found = received("engine.breaker_closed", subscription.secret);
    return found.length > 0 ? found : undefined;
  }, 5000, "a breaker_closed event");
  assert.deepEqual(closed?.data, { engine: "flaky" });

  const deliveries = await eventually(async () => {
    const page = await jsonOf<{ data: Array<{ status: string; event: string }> }>(
      fetch(`${gateway.url}/api/v2/admin/webhooks/deliveries?subscriptionId=${subscription.id}&status=delivered`),
    );
    return page.data.length === 2 ? page.data : undefined;
  }, 5000, "two delivered records");
  assert.deepEqual(deliveries.map((d) => d.event).sort(), ["engine.breaker_closed", "engine.breaker_open"]);

  assert.equal((await fetch(`${gateway.url}/api/v2/admin/webhooks/config:0`, { method: "DELETE" })).status, 400);
  assert.equal((await fetch(`${gateway.url}/api/v2/admin/webhooks/${subscription.id}`, { method: "DELETE" })).status, 204);
  assert.equal((await fetch(`${gateway.url}/api/v2/admin/webhooks/${subscription.id}`, { method: "DELETE" })).status, 404);
});

test("key lifecycle events go out without the key", async () => {
  const created = await postJson(`${gateway.url}/api/v2/admin/keys`, { name: "hooked", userId: "carol" });
  assert.equal(created.status, 201);
  const { id, key } = await jsonOf<{ id: string; key: string }>(created);
  const revoked = await fetch(`${gateway.url}/api/v2/admin/keys/${id}`, { method: "DELETE" });
  assert.equal(revoked.status, 204);
  const events = await eventually(async () => {
    const found = [...received("key.created", configSecret), ...received("key.revoked", configSecret)];
    return found.length >= 2 ? found : undefined;
  }, 5000, "key.created and key.revoked");
  assert.deepEqual(events.map((e) => [e.event, e.data.keyId]), [["key.created", id], ["key.revoked", id]]);
  assert.equal(events[0]?.data.userId, "carol");
  assert.ok(!JSON.stringify(events).includes(key), "the key itself is never sent");
});
