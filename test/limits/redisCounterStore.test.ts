/**
 * The Redis counter store with Redis unreachable (nothing listens on port 1): in open fail mode the memory store
 * counts in its place, with the same fixed windows; in closed mode every call answers store_unavailable at once.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { redisSchema } from "../../src/config/redisSchema.js";
import { createLogger } from "../../src/logger.js";
import { createRedisClient, type RedisClient } from "../../src/redis/createRedisClient.js";
import { redisCounterStore } from "../../src/limits/redisCounterStore.js";
import { GatewayError } from "../../src/errors.js";

const clients: RedisClient[] = [];
after(async () => {
  await Promise.all(clients.map((client) => client.close()));
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
