import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { NewApiKey } from "../../src/store/apiKeys.js";
import { generateApiKey } from "../../src/auth/generateApiKey.js";
import { hashApiKey } from "../../src/auth/hashApiKey.js";
import { eachDialect } from "../store/eachDialect.js";

eachDialect("api key store", (context) => {
  const create = (input: Partial<NewApiKey> = {}) => {
    const key = generateApiKey();
    return context.store.apiKeys.create({
      name: "test key",
      userId: `user-${randomUUID()}`,
      role: "user",
      keyHash: hashApiKey(key),
      prefix: key.slice(0, 10),
      ...input,
    });
  };

  test("create returns the row; findByHash reads it back with every field", async () => {
    const key = generateApiKey();
    const created = await create({
      keyHash: hashApiKey(key),
      role: "admin",
      allowedModels: ["vllm/qwen", "chat"],
      rpm: 60,
      tpm: 10_000,
      budgetUsd: 12.5,
      budgetWindow: "month",
      expiresAt: 1_900_000_000_000,
    });
    assert.equal(created.role, "admin");
    assert.deepEqual(created.allowedModels, ["vllm/qwen", "chat"]);
    assert.equal(created.budgetUsd, 12.5);
    assert.equal(created.expiresAt, 1_900_000_000_000);
    assert.equal(created.revokedAt, null);
    assert.equal(created.lastUsedAt, null);
    assert.ok(!("keyHash" in created) && !("key_hash" in created), "the hash never leaves the store");
    assert.deepEqual(await context.store.apiKeys.findByHash(hashApiKey(key)), created);
    assert.equal(await context.store.apiKeys.findByHash(hashApiKey(generateApiKey())), undefined);
  });

  test("optional fields default to null", async () => {
    const created = await create();
    assert.deepEqual(
      [created.allowedModels, created.rpm, created.tpm, created.budgetUsd, created.budgetWindow, created.expiresAt],
      [null, null, null, null, null, null],
    );
  });

  test("hashes are unique", async () => {
    const first = generateApiKey();
    await create({ keyHash: hashApiKey(first) });
    await assert.rejects(create({ keyHash: hashApiKey(first) }));
  });

  test("list is newest first and holds no hashes", async () => {
    const a = await create();
    const b = await create();
    const listed = await context.store.apiKeys.list();
    const ids = listed.map((key) => key.id);
    assert.ok(ids.indexOf(b.id) < ids.indexOf(a.id), "newest first");
    for (const key of listed) assert.ok(!Object.keys(key).some((field) => /hash/i.test(field)));
  });

  test("revoke marks the key once; unknown ids are false", async () => {
    const created = await create();
    assert.equal(await context.store.apiKeys.revoke(created.id), true);
    assert.equal(await context.store.apiKeys.revoke(created.id), false, "already revoked");
    assert.equal(await context.store.apiKeys.revoke(randomUUID()), false);
    const listed = (await context.store.apiKeys.list()).find((key) => key.id === created.id);
    assert.equal(typeof listed?.revokedAt, "number");
  });

  test("touch records use at most once a minute per key", async () => {
    const key = generateApiKey();
    const created = await create({ keyHash: hashApiKey(key) });
    await context.store.apiKeys.touch(created.id);
    const first = (await context.store.apiKeys.findByHash(hashApiKey(key)))?.lastUsedAt;
    assert.equal(typeof first, "number");
    await context.store.apiKeys.touch(created.id);
    assert.equal((await context.store.apiKeys.findByHash(hashApiKey(key)))?.lastUsedAt, first, "the test clock ticks 1 ms: no second write");
    await context.store.apiKeys.touch(randomUUID());
  });
});
