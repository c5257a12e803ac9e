/** Changing an API key after it is issued, and listing one user's keys, on both dialects. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { NewApiKey } from "../../src/store/apiKeys.js";
import { generateApiKey } from "../../src/auth/generateApiKey.js";
import { hashApiKey } from "../../src/auth/hashApiKey.js";
import { eachDialect } from "./eachDialect.js";

eachDialect("api key changes", (context) => {
  const create = (input: Partial<NewApiKey> = {}) => {
    const key = generateApiKey();
    return context.store.apiKeys.create({ name: "test key", userId: `user-${randomUUID()}`, role: "user", keyHash: hashApiKey(key), prefix: key.slice(0, 10), ...input });
  };

  test("update sets the given fields, clears those given as null, leaves the rest, and reads back the same", async () => {
    const created = await create({ rpm: 10, tpm: 1000, budgetUsd: 5, budgetWindow: "day", allowedModels: ["vllm/a"], accessLevel: 2, expiresAt: 1_900_000_000_000 });
    const updated = await context.store.apiKeys.update(created.id, { name: "renamed", rpm: 60, tpm: null, allowedModels: ["vllm/b", "chat"], budgetUsd: 7.5, budgetWindow: "month", expiresAt: null });
    assert.deepEqual(updated, {
      ...created,
      name: "renamed",
      rpm: 60,
      tpm: null,
      allowedModels: ["vllm/b", "chat"],
      budgetUsd: 7.5,
      budgetWindow: "month",
      expiresAt: null,
    });
    assert.deepEqual(await context.store.apiKeys.get(created.id), updated);
    const cleared = await context.store.apiKeys.update(created.id, { allowedModels: null, budgetUsd: null, budgetWindow: null, accessLevel: null, rpm: null });
    assert.deepEqual(
      [cleared?.allowedModels, cleared?.budgetUsd, cleared?.budgetWindow, cleared?.accessLevel, cleared?.rpm, cleared?.name],
      [null, null, null, null, null, "renamed"],
    );
    assert.deepEqual(await context.store.apiKeys.update(created.id, {}), cleared, "no changes: the key as it is");
  });

  test("update leaves revoked and unknown keys alone", async () => {
    const created = await create({ rpm: 10 });
    assert.equal(await context.store.apiKeys.revoke(created.id), true);
    assert.equal(await context.store.apiKeys.update(created.id, { rpm: 99 }), undefined);
    assert.equal(await context.store.apiKeys.update(created.id, {}), undefined);
    assert.equal((await context.store.apiKeys.get(created.id))?.rpm, 10, "a revoked key keeps what it had");
    assert.equal(await context.store.apiKeys.update(randomUUID(), { rpm: 99 }), undefined);
    assert.equal(await context.store.apiKeys.get(randomUUID()), undefined);
  });

  test("listByUser: that user's keys only, revoked ones included, newest first", async () => {
    const userId = `user-${randomUUID()}`;
    const older = await create({ userId });
    await create();
    const newer = await create({ userId });
    await context.store.apiKeys.revoke(older.id);
    const listed = await context.store.apiKeys.listByUser(userId);
    assert.deepEqual(listed.map((key) => key.id), [newer.id, older.id]);
    assert.equal(typeof listed[1]?.revokedAt, "number");
    assert.deepEqual(await context.store.apiKeys.listByUser(`user-${randomUUID()}`), []);
  });
});
