/**
 * Redis going away under load (a server of the test's own, stopped and started again; never the shared one): two
 * replicas over one PostgreSQL database, shared limits, budgets and the response cache in Redis, `failMode: open`.
 * Thirty seconds of steady concurrent traffic with Redis down for more than ten of them: not one 5xx, readiness
 * says degraded (200) while it is down and ready after, and once it is back a shared limit of N per minute admits
 * exactly N across both replicas again. In `failMode: closed` the same outage answers 503 store_unavailable at
 * once, not a hang, and heals by itself.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { createTestPostgresDatabase, type TestPostgresDatabase } from "../support/pgDatabase.js";
import { startOwnRedis, type OwnRedis } from "../support/ownRedis.js";
import { eventually } from "../support/eventually.js";
import { readSse } from "../support/readSse.js";

const adminKey = "sy-admin-bootstrap-key-0123456789abcdef";
const RUN_MS = 30_000;
const DOWN_AT_MS = 8_000;
const DOWN_FOR_MS = 12_000;
const WORKERS = 4;

let mock: MockUpstream;
let database: TestPostgresDatabase;
let redis: OwnRedis;
let replicas: TestGateway[] = [];

before(async () => {
  mock = await startMockUpstream();
  mock.script = () => ({ text: "steady answer", usage: { prompt_tokens: 5, completion_tokens: 3 } });
  database = await createTestPostgresDatabase();
  redis = await startOwnRedis();
  const config = {
    store: { url: database.url },
    redis: { url: redis.url, keyPrefix: "sy:", failMode: "open", connectTimeoutMs: 1000, commandTimeoutMs: 500 },
    engines: [openAIEngine("vllm", mock.url)],
    auth: { mode: "keys", adminKey },
    cache: { enabled: true, ttlSeconds: 60 },
    pricing: { "vllm/mock-model": { input: 1, output: 1 } },
    // Budgets and limits large enough never to refuse: the traffic exercises the shared counters, not their edges.
    budgets: { perUser: { usd: 1000, window: "day" } },
    rateLimits: {
      perKey: { chat: { rpm: 1_000_000, tpm: 1_000_000_000 }, admin: { rpm: 1_000_000 } },
      perUser: { chat: { rpm: 1_000_000, tpm: 1_000_000_000 }, admin: { rpm: 1_000_000 } },
    },
  };
  replicas = [await startGateway(config), await startGateway(config)];
});
after(async () => {
  await Promise.all(replicas.map((g) => g.stop()));
  await redis?.destroy();
  await database?.drop();
  await mock?.close();
});

async function createKey(fields: Record<string, unknown> = {}): Promise<string> {
  const response = await fetch(`${replicas[0]!.url}/api/v2/admin/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ name: `k-${randomBytes(3).toString("hex")}`, userId: `u-${randomBytes(3).toString("hex")}`, ...fields }),
  });
  assert.equal(response.status, 201);
  return ((await response.json()) as { key: string }).key;
}

const chat = (gateway: TestGateway, key: string, body: Record<string, unknown>) =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "vllm/mock-model", max_tokens: 10, ...body }),
  });

const readiness = async (gateway: TestGateway) => {
  const response = await fetch(`${gateway.url}/health/ready`);
  return { code: response.status, status: ((await response.json()) as { status: string }).status };
};

test("Redis stopped for 12 s of a 30 s load: zero 5xx, degraded readiness, shared limits resume when it returns", async () => {
  const keys = [await createKey(), await createKey()];
  const statuses = new Map<string, number>();
  const failures: string[] = [];
  const count = (label: string) => statuses.set(label, (statuses.get(label) ?? 0) + 1);
  const prompts = ["cached one", "cached two", "cached three"];
  const startedAt = performance.now();
  const elapsed = () => performance.now() - startedAt;
  let sent = 0;

  // One request of the mix: cacheable and sampled chat, streamed and not, and some admin and usage reads.
  const one = async (worker: number, i: number) => {
    const gateway = replicas[(worker + i) % 2]!;
    const key = keys[worker % 2]!;
    const kind = i % 10;
    let response: Response;
    if (kind === 9) {
      response = await fetch(`${gateway.url}/api/v2/admin/usage?limit=5`, { headers: { authorization: `Bearer ${adminKey}` } });
    } else if (kind === 8) {
      response = await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    } else if (kind % 3 === 0) {
      response = await chat(gateway, key, { temperature: 0, messages: [{ role: "user", content: prompts[i % prompts.length] }] });
    } else if (kind === 7) {
      response = await chat(gateway, key, { stream: true, temperature: 0.7, messages: [{ role: "user", content: `stream ${worker}-${i}` }] });
      if (response.status === 200) {
        const events = await readSse(response);
        if (events.at(-1)?.data !== "[DONE]") failures.push(`stream ${worker}-${i} did not end with [DONE] at ${Math.round(elapsed())} ms`);
        count(`${kind}:200`);
        return;
      }
    } else {
      response = await chat(gateway, key, { temperature: 0.7, messages: [{ role: "user", content: `sampled ${worker}-${i}` }] });
    }
    await response.text();
    count(`${kind}:${response.status}`);
    // Nothing here is refused either: the limits and budgets are far away, on shared or local counters alike.
    if (response.status !== 200) failures.push(`${response.status} on request kind ${kind} at ${Math.round(elapsed())} ms`);
  };

  const load = Promise.all(
    Array.from({ length: WORKERS }, async (_, worker) => {
      for (let i = 0; elapsed() < RUN_MS; i++) {
        sent++;
        try {
          await one(worker, i);
        } catch (error) {
          failures.push(`request failed at ${Math.round(elapsed())} ms: ${String(error)}`);
        }
      }
    }),
  );

  // Readiness as a load balancer sees it, every 250 ms on both replicas, for the whole run.
  const probes: Array<{ at: number; phase: string; code: number; status: string }> = [];
  let phase = "up";
  const probing = (async () => {
    while (elapsed() < RUN_MS) {
      for (const gateway of replicas) probes.push({ at: elapsed(), phase, ...(await readiness(gateway)) });
      await delay(250);
    }
  })();

  await delay(DOWN_AT_MS);
  await redis.stop();
  phase = "down";
  const downAt = elapsed();
  // Past the first second of the outage, when every replica has noticed.
  await delay(1000);
  phase = "down-settled";
  await delay(DOWN_FOR_MS - 1000);
  phase = "restarting";
  await redis.start();
  const upAt = elapsed();
  await delay(3000);
  phase = "back";
  await Promise.all([load, probing]);

  assert.deepEqual(failures, [], `every request answered 200 (${sent} sent)`);
  assert.ok(upAt - downAt >= 10_000, "Redis was down for at least 10 s");
  const served = [...statuses.entries()].filter(([label]) => label.endsWith(":200")).reduce((sum, [, n]) => sum + n, 0);
  assert.ok(served > 200, `steady traffic (${served} answered)`);
  for (const probe of probes) assert.equal(probe.code, 200, `readiness stays 200 (${JSON.stringify(probe)})`);
  const settled = probes.filter((p) => p.phase === "down-settled");
  assert.ok(settled.length >= 10);
  for (const probe of settled) assert.equal(probe.status, "degraded", `degraded while Redis is down (${JSON.stringify(probe)})`);
  // Before the outage: ready (a probe may say degraded when a starved machine delays a Redis round trip past its
  // timeout, which is what degraded means; it never leaves the load balancer for it).
  assert.ok(probes.filter((p) => p.phase === "up").some((p) => p.status === "ready"), "ready before the outage");
  assert.ok(probes.filter((p) => p.phase === "back").some((p) => p.status === "ready"), "ready again once Redis returns");

  // Both replicas on Redis again; a fresh per-key limit of 6 per minute is shared once more.
  for (const gateway of replicas) await eventually(async () => (await readiness(gateway)).status === "ready", 10_000, "readiness to say ready");
  const limited = await createKey({ rpm: 6 });
  const results = await Promise.all(
    Array.from({ length: 16 }, async (_, i) => {
      const response = await chat(replicas[i % 2]!, limited, { temperature: 0.7, messages: [{ role: "user", content: `limited ${i}` }] });
      await response.text();
      return response.status;
    }),
  );
  assert.equal(results.filter((s) => s === 200).length, 6, `statuses: ${results.join(",")}`);
  assert.equal(results.filter((s) => s === 429).length, 10);
});

test("failMode closed: with Redis stopped, limited requests get 503 store_unavailable at once, and recover by themselves", async () => {
  const own = await startOwnRedis();
  const gateway = await startGateway({
    redis: { url: own.url, failMode: "closed", connectTimeoutMs: 500, commandTimeoutMs: 300 },
    engines: [openAIEngine("vllm", mock.url)],
    rateLimits: { perUser: { chat: { rpm: 1000 } } },
    health: { failureThreshold: 1 },
  });
  const send = () => chat(gateway, "unused", { messages: [{ role: "user", content: "hi" }] });
  try {
    const before = await send();
    assert.equal(before.status, 200);
    await before.text();
    await own.stop();
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const response = await send();
      const tookMs = performance.now() - started;
      assert.equal(response.status, 503);
      assert.equal(response.headers.get("retry-after"), "2");
      const body = (await response.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, "store_unavailable");
      assert.match(body.error.message, /Redis/);
      assert.ok(tookMs < 1500, `answered in ${Math.round(tookMs)} ms, not held until a timeout`);
    }
    assert.equal((await readiness(gateway)).code, 503);
    await own.start();
    const healed = await eventually(async () => {
      const response = await send();
      await response.text();
      return response.status === 200 ? response : undefined;
    }, 10_000, "requests to pass again");
    assert.equal(healed.status, 200);
    assert.equal((await readiness(gateway)).code, 200);
  } finally {
    await gateway.stop();
    await own.destroy();
  }
});
