import { test } from "node:test";
import assert from "node:assert/strict";
import { authSchema } from "../../src/config/securitySchema.js";
import type { ApiKey, ApiKeyStore } from "../../src/store/apiKeys.js";
import { bootstrapAdminPrincipal, createAuthenticator } from "../../src/auth/createAuthenticator.js";
import { isAuthFailure, type AuthFailure } from "../../src/auth/authFailure.js";
import { generateApiKey } from "../../src/auth/generateApiKey.js";
import { hashApiKey } from "../../src/auth/hashApiKey.js";
import { localPrincipal, type Principal } from "../../src/auth/principal.js";

const ADMIN_KEY = "bootstrap-admin-key-for-tests-0123456789";

/** An in-memory ApiKeyStore (the parts the authenticator uses) that counts lookups. */
function fakeKeys() {
  const byHash = new Map<string, ApiKey>();
  const touched: string[] = [];
  let lookups = 0;
  const store: Pick<ApiKeyStore, "findByHash" | "touch"> = {
    async findByHash(hash) {
      lookups++;
      return byHash.get(hash);
    },
    async touch(id) {
      touched.push(id);
    },
  };
  const add = (fields: Partial<ApiKey> = {}) => {
    const key = generateApiKey();
    const row: ApiKey = {
      id: `key-${byHash.size + 1}`,
      name: "k",
      userId: "alice",
      role: "user",
      prefix: key.slice(0, 10),
      allowedModels: null,
      rpm: null,
      tpm: null,
      budgetUsd: null,
      budgetWindow: null,
      expiresAt: null,
      revokedAt: null,
      createdAt: 0,
      lastUsedAt: null,
      accessLevel: null,
      ...fields,
    };
    byHash.set(hashApiKey(key), row);
    return { key, row };
  };
  return { store, add, touched, lookups: () => lookups };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function expectFailure(result: Principal | AuthFailure, reason: AuthFailure["reason"], message?: RegExp): void {
  assert.ok(isAuthFailure(result), `expected a failure, got ${JSON.stringify(result)}`);
  assert.equal(result.reason, reason);
  if (message) assert.match(result.message, message);
}

test("mode none: everyone is the local admin", async () => {
  const { store } = fakeKeys();
  const authenticator = createAuthenticator(authSchema.parse({ mode: "none" }), store);
  assert.equal(await authenticator.authenticate({}), localPrincipal);
});

test("keys mode: missing, bootstrap, valid, unknown and malformed credentials", async () => {
  const keys = fakeKeys();
  const { key, row } = keys.add({ allowedModels: ["m/a"], rpm: 5, budgetUsd: 3, budgetWindow: "day" });
  const authenticator = createAuthenticator(authSchema.parse({ mode: "keys", adminKey: ADMIN_KEY }), keys.store);

  expectFailure(await authenticator.authenticate({}), "missing");
  assert.deepEqual(await authenticator.authenticate(bearer(ADMIN_KEY)), bootstrapAdminPrincipal);
  assert.deepEqual(await authenticator.authenticate({ "x-api-key": key }), {
    kind: "key",
    userId: "alice",
    role: "user",
    keyId: row.id,
    allowedModels: ["m/a"],
    limits: { rpm: 5 },
    budget: { usd: 3, window: "day" },
  });
  assert.deepEqual(keys.touched, [row.id], "use is recorded");
  expectFailure(await authenticator.authenticate(bearer(generateApiKey())), "invalid", /invalid API key/);
  expectFailure(await authenticator.authenticate(bearer(`${ADMIN_KEY}x`)), "invalid");
  expectFailure(await authenticator.authenticate(bearer("a.b.c")), "invalid", /not accepted/);
});

test("revoked and expired keys fail, cached or not", async () => {
  let now = 1_000_000;
  const keys = fakeKeys();
  const revoked = keys.add({ revokedAt: 5 });
  const expiring = keys.add({ expiresAt: now + 1000 });
  const authenticator = createAuthenticator(authSchema.parse({ mode: "keys" }), keys.store, { now: () => now });
  expectFailure(await authenticator.authenticate(bearer(revoked.key)), "invalid", /revoked/);
  assert.ok(!isAuthFailure(await authenticator.authenticate(bearer(expiring.key))));
  now += 1000;
  expectFailure(await authenticator.authenticate(bearer(expiring.key)), "invalid", /expired/);
});

test("lookups are cached for the TTL; forget() drops a key at once", async () => {
  let now = 0;
  const keys = fakeKeys();
  const { key, row } = keys.add();
  const authenticator = createAuthenticator(authSchema.parse({ mode: "keys" }), keys.store, { now: () => now, keyCacheTtlMs: 10_000 });
  await authenticator.authenticate(bearer(key));
  await authenticator.authenticate(bearer(key));
  assert.equal(keys.lookups(), 1, "second use served from the cache");
  authenticator.forget(row.id);
  await authenticator.authenticate(bearer(key));
  assert.equal(keys.lookups(), 2, "forgotten: looked up again");
  now += 10_000;
  await authenticator.authenticate(bearer(key));
  assert.equal(keys.lookups(), 3, "expired from the cache");
  await authenticator.authenticate(bearer(generateApiKey()));
  await authenticator.authenticate(bearer(generateApiKey()));
  assert.equal(keys.lookups(), 5, "unknown keys are not cached");
});

test("jwt mode refuses API keys but still takes the bootstrap admin key", async () => {
  const keys = fakeKeys();
  const { key } = keys.add();
  const auth = authSchema.parse({ mode: "jwt", adminKey: ADMIN_KEY, jwt: { secret: "x".repeat(32) } });
  const authenticator = createAuthenticator(auth, keys.store);
  expectFailure(await authenticator.authenticate(bearer(key)), "invalid", /API keys are not accepted/);
  assert.equal(keys.lookups(), 0);
  assert.deepEqual(await authenticator.authenticate(bearer(ADMIN_KEY)), bootstrapAdminPrincipal);
});
