/**
 * Asynchronous chat over HTTP, on both queue backends (in-process, and BullMQ on the real Redis under a random
 * prefix): 202 at once while the upstream is slow, then the completion; the usage ledger row; owner isolation;
 * bad bodies; a failing upstream, the failed job in the admin jobs API and its retry; webhooks to a real receiver
 * with valid signatures; and what a restart does to queued and running jobs.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { startGateway, type TestGateway } from "../support/startGateway.js";
import { eventually } from "../support/eventually.js";
import { ADMIN_KEY, call, createKey } from "../auth/authGateway.js";
import { verifyWebhook } from "../../src/webhooks/verifyWebhook.js";
import { bullPrefixOf } from "../../src/jobs/createBullJobQueue.js";
import { startWebhookReceiver, type WebhookReceiver } from "../webhooks/webhookReceiver.js";

const redisUrl = process.env.SWITCHYARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const secret = "whsec_async_chat_test_secret_01";

interface JobView {
  id: string;
  status: "queued" | "running" | "completed" | "failed";
  result?: { object: string; model: string; choices: Array<{ message: { content: string } }>; usage?: { completion_tokens: number } };
  error?: { code: string; message: string };
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

interface AdminJob {
  id: string;
  name: string;
  state: string;
  attempts: number;
  error?: string;
}

const backends = [
  { label: "memory", redis: () => undefined },
  { label: "bullmq", redis: () => ({ url: redisUrl, keyPrefix: `sy-test-${randomBytes(4).toString("hex")}:` }) },
];

for (const backend of backends) {
  describe(`asynchronous chat (${backend.label} queue)`, () => {
    let mock: MockUpstream;
    let receiver: WebhookReceiver;
    let gateway: TestGateway;
    let alice: string;
    let bob: string;
    const redis = backend.redis();
    const config = () => ({
      engines: [{ name: "vllm", type: "openai", baseUrl: mock.url, models: ["mock-model", "broken-model"], retry: { attempts: 0 } }],
      rateLimits: { enabled: false },
      auth: { mode: "keys", adminKey: ADMIN_KEY },
      webhooks: [{ url: receiver.url, secret, events: ["chat.job.completed", "chat.job.failed"] }],
      jobs: { concurrency: 1, closeGraceMs: 100 },
      ...(redis ? { redis } : {}),
    });
    let brokenFails = true;
    let slowMs = 0;

    before(async () => {
      mock = await startMockUpstream();
      mock.script = (request) =>
        request.body.model === "broken-model" && brokenFails
          ? { status: 500, errorMessage: "the upstream broke" }
          : { chunks: ["queued ", "answer"], headersDelayMs: slowMs, usage: { prompt_tokens: 3, completion_tokens: 2 } };
      receiver = await startWebhookReceiver();
      gateway = await startGateway(config(), { keepData: true });
      alice = (await createKey(gateway, { name: "alice", userId: "alice" })).key;
      bob = (await createKey(gateway, { name: "bob", userId: "bob" })).key;
    });
    after(async () => {
      await gateway.stop();
      await receiver.close();
      await mock.close();
      if (redis) {
        const admin = new Redis(redisUrl);
        const keys = await admin.keys(`${bullPrefixOf(redis.keyPrefix)}*`);
        if (keys.length > 0) await admin.del(...keys);
        admin.disconnect();
      }
    });

    const submit = (token: string, body: unknown) => call(gateway, "POST", "/api/v2/chat/jobs", { token, body });
    const view = async (id: string, token = alice) => {
      const response = await call(gateway, "GET", `/api/v2/chat/jobs/${id}`, { token });
      return { status: response.status, body: (await response.json()) as JobView & { error?: { code: string } } };
    };
    const settled = (id: string, token = alice) =>
      eventually(async () => {
        const { body } = await view(id, token);
        return body.status === "completed" || body.status === "failed" ? body : undefined;
      }, 15_000, `job ${id} to settle`);
    const webhookFor = (id: string, event: string) =>
      eventually(() => {
        const found = receiver.received.find((delivery) => delivery.headers["x-switchyard-event"] === event && delivery.body.includes(id));
        return found;
      }, 15_000, `${event} for ${id}`);

    test("answers 202 at once while the upstream is slow, then the completion; ledger row and signed webhook", async () => {
      slowMs = 1500;
      const startedAt = Date.now();
      const response = await submit(alice, { model: "vllm/mock-model", messages: [{ role: "user", content: "take your time" }] });
      const elapsed = Date.now() - startedAt;
      slowMs = 0;
      assert.equal(response.status, 202);
      const accepted = (await response.json()) as { id: string; status: string };
      assert.equal(accepted.status, "queued");
      assert.equal(response.headers.get("location"), `/api/v2/chat/jobs/${accepted.id}`);
      assert.ok(elapsed < 1000, `answered before the upstream did (${elapsed} ms)`);
      const early = await view(accepted.id);
      assert.ok(["queued", "running"].includes(early.body.status));

      const done = await settled(accepted.id);
      assert.equal(done.status, "completed");
      assert.equal(done.result?.object, "chat.completion");
      assert.equal(done.result?.model, "vllm/mock-model");
      assert.equal(done.result?.choices[0]?.message.content, "queued answer");
      assert.equal(done.result?.usage?.completion_tokens, 2);
      assert.ok(done.startedAt !== null && done.completedAt !== null && Date.parse(done.completedAt) >= Date.parse(done.createdAt));

      const usage = await eventually(async () => {
        const page = (await (await call(gateway, "GET", "/api/v2/usage", { token: alice })).json()) as { data: Array<{ status: string; outputTokens: number; model: string }> };
        return page.data.length > 0 ? page.data : undefined;
      }, 5000, "the ledger row");
      assert.equal(usage[0]?.status, "complete");
      assert.equal(usage[0]?.outputTokens, 2);

      const delivery = await webhookFor(accepted.id, "chat.job.completed");
      assert.equal(verifyWebhook(secret, delivery.headers["x-switchyard-signature"] as string, delivery.body), true);
      const envelope = JSON.parse(delivery.body) as { event: string; data: JobView & { userId: string } };
      assert.equal(envelope.event, "chat.job.completed");
      assert.equal(envelope.data.userId, "alice");
      assert.equal(envelope.data.result?.choices[0]?.message.content, "queued answer");
    });

    test("a job is its owner's alone: anyone else, an admin included, gets 404", async () => {
      const response = await submit(alice, { model: "vllm/mock-model", messages: [{ role: "user", content: "mine" }] });
      const { id } = (await response.json()) as { id: string };
      const byBob = await view(id, bob);
      assert.equal(byBob.status, 404);
      assert.equal((byBob.body as unknown as { error: { code: string } }).error.code, "not_found");
      assert.equal((await view(id, ADMIN_KEY)).status, 404);
      assert.equal((await view("no-such-job")).status, 404);
      assert.equal((await settled(id)).status, "completed");
    });

    test("bad bodies are refused at once with 400", async () => {
      const cases: Array<[unknown, string | undefined]> = [
        [{ model: "vllm/mock-model" }, undefined],
        [{ model: "vllm/mock-model", messages: [{ role: "user", content: "x" }], stream: true }, "stream"],
        [{ model: "vllm/mock-model", messages: [{ role: "user", content: "x" }], n: 2 }, undefined],
      ];
      for (const [body, param] of cases) {
        const response = await submit(alice, body);
        assert.equal(response.status, 400, JSON.stringify(body));
        const error = ((await response.json()) as { error: { code: string; param?: string } }).error;
        assert.equal(error.code, "invalid_request");
        if (param) assert.match(JSON.stringify(error), new RegExp(param));
      }
      const unknown = await submit(alice, { model: "nowhere/none", messages: [{ role: "user", content: "x" }] });
      assert.ok(unknown.status >= 400 && unknown.status < 500, `unknown model: ${unknown.status}`);
      assert.equal((await call(gateway, "POST", "/api/v2/chat/jobs", { body: { model: "vllm/mock-model", messages: [] } })).status, 401);
    });

    test("a failing upstream fails the job with its code; the admin API lists it, retries it, and it completes", async () => {
      brokenFails = true;
      const response = await submit(alice, { model: "vllm/broken-model", messages: [{ role: "user", content: "break" }] });
      const { id } = (await response.json()) as { id: string };
      const failed = await settled(id);
      assert.equal(failed.status, "failed");
      assert.equal(failed.error?.code, "upstream_error");
      const delivery = await webhookFor(id, "chat.job.failed");
      assert.equal(verifyWebhook(secret, delivery.headers["x-switchyard-signature"] as string, delivery.body), true);

      const listed = (await (await call(gateway, "GET", "/api/v2/admin/jobs?state=failed&name=chat.generate", { token: ADMIN_KEY })).json()) as { backend: string; data: AdminJob[] };
      assert.equal(listed.backend, backend.label);
      const job = listed.data.find((entry) => entry.id === id);
      assert.ok(job, "the failed job is listed");
      assert.equal(job.state, "failed");
      assert.equal(job.name, "chat.generate");
      assert.equal((await call(gateway, "GET", "/api/v2/admin/jobs?state=failed", { token: alice })).status, 403);
      assert.equal((await call(gateway, "GET", "/api/v2/admin/jobs?state=bogus", { token: ADMIN_KEY })).status, 400);
      assert.equal((await call(gateway, "GET", `/api/v2/admin/jobs/${id}`, { token: ADMIN_KEY })).status, 200);
      assert.equal((await call(gateway, "GET", "/api/v2/admin/jobs/no-such-job", { token: ADMIN_KEY })).status, 404);
      assert.equal((await call(gateway, "POST", "/api/v2/admin/jobs/no-such-job/retry", { token: ADMIN_KEY })).status, 404);

      brokenFails = false;
      const retried = await call(gateway, "POST", `/api/v2/admin/jobs/${id}/retry`, { token: ADMIN_KEY });
      assert.equal(retried.status, 202);
      const completed = await eventually(async () => {
        const { body } = await view(id);
        return body.status === "completed" ? body : undefined;
      }, 15_000, "the retried job to complete");
      assert.equal(completed.result?.choices[0]?.message.content, "queued answer");
      assert.equal(completed.error, undefined);
      const again = await call(gateway, "POST", `/api/v2/admin/jobs/${id}/retry`, { token: ADMIN_KEY });
      assert.equal(again.status, 409);
      assert.equal(((await again.json()) as { error: { code: string } }).error.code, "invalid_request");
    });

    test("a restart: jobs queued survive; a job cut off while running is " + (redis ? "run again" : "failed as interrupted"), async () => {
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      mock.script = () => ({ chunks: ["after ", "restart"], holdUntil: held });
      const first = (await (await submit(alice, { model: "vllm/mock-model", messages: [{ role: "user", content: "one" }] })).json()) as { id: string };
      const second = (await (await submit(alice, { model: "vllm/mock-model", messages: [{ role: "user", content: "two" }] })).json()) as { id: string };
      await eventually(async () => (await view(first.id)).body.status === "running", 10_000, "the first job to run");
      assert.equal((await view(second.id)).body.status, "queued", "concurrency 1: the second waits");
      const dataDir = gateway.dataDir;
      await gateway.shutdown();
      release();
      mock.script = () => ({ chunks: ["after ", "restart"] });
      gateway = await startGateway(config(), { dataDir, keepData: false });
      const one = await settled(first.id);
      const two = await settled(second.id);
      assert.equal(two.status, "completed");
      assert.equal(two.result?.choices[0]?.message.content, "after restart");
      if (redis) {
        assert.equal(one.status, "completed");
      } else {
        assert.equal(one.status, "failed");
        assert.equal(one.error?.code, "interrupted");
      }
    });
  });
}

test("job metrics: jobs_total counts runs by name and result, jobs_waiting is exported", async () => {
  const mock = await startMockUpstream();
  const gateway = await startGateway({ engines: [{ name: "vllm", type: "openai", baseUrl: mock.url, models: ["mock-model"] }], rateLimits: { enabled: false } });
  try {
    const response = await call(gateway, "POST", "/api/v2/chat/jobs", { body: { model: "vllm/mock-model", messages: [{ role: "user", content: "count me" }] } });
    const { id } = (await response.json()) as { id: string };
    await eventually(async () => ((await (await call(gateway, "GET", `/api/v2/chat/jobs/${id}`)).json()) as JobView).status === "completed", 10_000, "completion");
    const text = await eventually(async () => {
      const body = await (await fetch(`${gateway.url}/metrics`)).text();
      return body.includes('jobs_total{name="chat.generate",result="completed"} 1') ? body : undefined;
    }, 5000, "jobs_total");
    assert.match(text, /jobs_waiting\{name="chat\.generate"\} 0/);
    assert.match(text, /jobs_waiting\{name="webhook\.delivery"\} 0/);
  } finally {
    await gateway.stop();
    await mock.close();
  }
});
