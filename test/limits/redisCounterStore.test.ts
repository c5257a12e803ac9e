/**
 * The Redis counter store: the counter store contract on the real Redis (127.0.0.1:6379 unless
 * SWITCHYARD_TEST_REDIS_URL says otherwise), each case under a key prefix of its own that is deleted after it,
 * in closed fail mode so that a Redis problem fails the contract instead of passing it on local counters. Then
 * Redis unreachable (nothing listens on port 1): in open fail mode the memory store counts in its place, with
 * the same fixed windows; in closed mode every call answers store_unavailable at once.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { Redis } from "ioredis";
import { redisSchema } from "../../src/config/redisSchema.js";
import { createLogger } from "../../src/logger.js";
import { createRedisClient, type RedisClient } from "../../src/redis/createRedisClient.js";
import { redisCounterStore } from "../../src/limits/redisCounterStore.js";
import { GatewayError } from "../../src/errors.js";
import { runCounterStoreContract } from "./counterStoreContract.js";

const redisUrl = process.env.SWITCHYARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

const clients: RedisClient[] = [];
after(async () => {
  await Promise.all(clients.map((client) => client.close()));
});

runCounterStoreContract("redis", async () => {
  const keyPrefix = `sy-test-${randomBytes(4).toString("hex")}:`;
  const redis = createRedisClient(redisSchema.parse({ url: redisUrl, keyPrefix, failMode: "closed" }), createLogger("silent"));
  if (redis.client.status !== "ready") await once(redis.client, "ready");
  return {
    store: redisCounterStore({ client: redis.client, failMode: "closed" }),
    windowSeconds: 1,
    // Round trips and timers late on a busy machine; well under the third of a window the contract moves by.
    slackMs: 150,
    advance: (ms) => delay(ms),
    async dispose() {
      // ioredis prefixes commands' keys but not SCAN's pattern or its answers: a client without a prefix deletes.
      const admin = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      try {
        const keys = await admin.keys(`${keyPrefix}*`);
        if (keys.length > 0) await admin.del(...keys);
      } finally {
        admin.disconnect();
        await redis.close();
      }
    },
  };
});

const unreachable = (): RedisClient => {
  const client = createRedisClient(redisSchema.parse({ url: "redis://127.0.0.1:1", connectTimeoutMs: 200, commandTimeoutMs: 200 }), createLogger("silent"));
  clients.push(client);
  return client;
};

test("redis counter store, Redis unreachable, open fail mode: this process's counters count instead", async () => {
  const store = redisCounterStore({ client: unreachable().client, failMode: "open" });
  const counter = store({ name: "fail-open", windowSeconds: 60 });
  assert.deepEqual(await counter.read("k"), { consumed: 0, resetMs: 60_000 });
  assert.equal((await counter.add("k", 1)).consumed, 1);
  assert.equal((await counter.add("k", 2)).consumed, 3);
  assert.equal((await counter.add("k", -1)).consumed, 2);
  const read = await counter.read("k");
  assert.equal(read.consumed, 2);
  assert.ok(read.resetMs > 0 && read.resetMs <= 60_000);
  // Counters stay apart by name on the insurance too.
  assert.equal((await store({ name: "fail-open-other", windowSeconds: 60 }).read("k")).consumed, 0);
});

test("redis counter store, Redis unreachable, closed fail mode: store_unavailable, at once", async () => {
  const counter = redisCounterStore({ client: unreachable().client, failMode: "closed" })({ name: "fail-closed", windowSeconds: 60 });
  for (const call of [() => counter.add("k", 1), () => counter.add("k", -1), () => counter.read("k")]) {
    const started = performance.now();
    await assert.rejects(
      async () => call(),
      (error: unknown) => error instanceof GatewayError && error.code === "store_unavailable" && error.retryAfterSeconds === 2 && /Redis/.test(error.message),
    );
    assert.ok(performance.now() - started < 100, "not held until a timeout");
  }
});
