/**
 * API keys end to end over real HTTP: the admin keys API, what a key may do, revocation, expiry, allowed models,
 * ownership, and how failures are reported.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import type { TestGateway } from "../support/startGateway.js";
import { parseSse } from "../support/readSse.js";
import type { ErrorBody, Page, SessionView } from "../support/apiTypes.js";
import { openStore } from "../../src/store/openStore.js";
import { generateApiKey } from "../../src/auth/generateApiKey.js";
import { hashApiKey } from "../../src/auth/hashApiKey.js";
import { ADMIN_KEY, call, chatBody, createKey, startAuthGateway, type KeyCreated } from "./authGateway.js";

describe("API keys over HTTP", () => {
  let mock: MockUpstream;
  let gateway: TestGateway;

  before(async () => {
    mock = await startMockUpstream();
    gateway = await startAuthGateway(mock);
  });
  after(async () => {
    await gateway.stop();
    await mock.close();
  });

  const errorOf = async (response: Response) => ((await response.json()) as ErrorBody).error;

  test("create shows the key once; list never shows it; the key works until revoked", async () => {
    const created = await createKey(gateway, { name: "ci", userId: "alice", rpm: 30, budgetUsd: 5, budgetWindow: "month", expiresAt: "2099-01-01T00:00:00Z" });
    assert.match(created.key, /^sy-[A-Za-z0-9_-]{43}$/);
    assert.equal(created.prefix, created.key.slice(0, 10));
    assert.equal(created.userId, "alice");
    assert.equal(created.role, "user");
    assert.equal(created.expiresAt, "2099-01-01T00:00:00.000Z");

    const listed = (await (await call(gateway, "GET", "/api/v2/admin/keys", { token: ADMIN_KEY })).json()) as { data: Array<Record<string, unknown>> };
    const row = listed.data.find((key) => key.id === created.id);
    assert.ok(row);
    assert.equal(row.prefix, created.prefix);
    assert.equal(row.budgetUsd, 5);
    const text = JSON.stringify(listed);
    assert.ok(!text.includes(created.key) && !text.includes(hashApiKey(created.key)), "neither the key nor its hash is listed");
    assert.ok(!Object.keys(row).some((field) => /hash|^key$/i.test(field)));

    assert.equal((await call(gateway, "GET", "/api/v2/chat/sessions", { token: created.key })).status, 200);
    assert.equal((await call(gateway, "GET", "/api/v2/chat/sessions", { headers: { "x-api-key": created.key } })).status, 200, "X-API-Key works too");
    assert.equal((await call(gateway, "GET", "/api/v2/admin/keys", { token: created.key })).status, 403, "a user key is not an admin");

    assert.equal((await call(gateway, "DELETE", `/api/v2/admin/keys/${created.id}`, { token: ADMIN_KEY })).status, 204);
    const revoked = await call(gateway, "GET", "/api/v2/chat/sessions", { token: created.key });
    assert.equal(revoked.status, 401, "revoked through this server: refused at once");
    assert.match((await errorOf(revoked)).message, /revoked/);
    assert.equal((await call(gateway, "DELETE", `/api/v2/admin/keys/${created.id}`, { token: ADMIN_KEY })).status, 404, "already revoked");
    assert.equal((await call(gateway, "DELETE", `/api/v2/admin/keys/${randomUUID()}`, { token: ADMIN_KEY })).status, 404);
    const after = (await (await call(gateway, "GET", "/api/v2/admin/keys", { token: ADMIN_KEY })).json()) as { data: KeyCreated[] };
    assert.equal(typeof after.data.find((key) => key.id === created.id)?.revokedAt, "string");
  });

  test("an admin key made through the API can make keys; a key's user defaults to the key itself", async () => {
    const admin = await createKey(gateway, { name: "ops", role: "admin" });
    assert.equal(admin.userId, admin.id);
    const made = await call(gateway, "POST", "/api/v2/admin/keys", { token: admin.key, body: { name: "made by ops" } });
    assert.equal(made.status, 201);
  });

  test("bad key requests are 400 with the field named", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: "x", role: "root" }, "role"],
      [{ name: "x", expiresAt: "2001-01-01T00:00:00Z" }, "expiresAt"],
      [{ name: "x", expiresAt: "next tuesday" }, "expiresAt"],
      [{ name: "x", budgetUsd: 5 }, "budgetWindow"],
      [{ name: "x", rpm: 0 }, "rpm"],
      [{ name: "x", allowedModels: [] }, "allowedModels"],
      [{}, "name"],
    ];
    for (const [body, param] of cases) {
      const response = await call(gateway, "POST", "/api/v2/admin/keys", { token: ADMIN_KEY, body });
      assert.equal(response.status, 400, JSON.stringify(body));
      const error = await errorOf(response);
      assert.equal(error.code, "invalid_request");
      assert.ok(error.param?.startsWith(param) || error.message.includes(param), `${JSON.stringify(body)}: ${error.message}`);
    }
    assert.equal((await call(gateway, "POST", "/api/v2/admin/keys", { token: ADMIN_KEY, body: { name: "x", extra: true } })).status, 400);
  });

  test("an expired key is refused", async () => {
    const store = await openStore(gateway.config.store.url);
    const key = generateApiKey();
    try {
      await store.apiKeys.create({ name: "old", userId: "carol", role: "user", keyHash: hashApiKey(key), prefix: key.slice(0, 10), expiresAt: Date.now() - 1000 });
    } finally {
      await store.close();
    }
    const response = await call(gateway, "GET", "/api/v2/chat/sessions", { token: key });
    assert.equal(response.status, 401);
    assert.match((await errorOf(response)).message, /expired/);
  });

  test("no credential or a bad one: 401 with WWW-Authenticate, in each API's envelope", async () => {
    const missing = await call(gateway, "POST", "/v1/chat/completions", { body: chatBody() });
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get("www-authenticate"), 'Bearer realm="switchyard"');
    const openAIError = await errorOf(missing);
    assert.equal(openAIError.code, "unauthorized");
    assert.equal(openAIError.type, "authentication_error");

    for (const token of [generateApiKey(), "not-a-key", "a.b.c", `${ADMIN_KEY}0`]) {
      const bad = await call(gateway, "GET", "/api/v2/chat/sessions", { token });
      assert.equal(bad.status, 401, token);
      assert.match(bad.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
      const error = await errorOf(bad);
      assert.equal(error.code, "unauthorized");
      assert.ok(!error.message.includes(token), "the credential is not echoed");
    }
    assert.equal(mock.requests.length, 0, "nothing reached the engine");
  });

  test("public routes answer anyone, whatever credential comes along", async () => {
    assert.equal((await call(gateway, "GET", "/health/live")).status, 200);
    assert.equal((await call(gateway, "GET", "/health/live", { token: "garbage" })).status, 200);
    assert.equal((await call(gateway, "GET", "/health/ready", { token: generateApiKey() })).status, 200);
    assert.equal((await call(gateway, "GET", "/no/such/route")).status, 404);
  });

  test("sessions are visible only to their owner; keys of one user share them", async () => {
    const alice = await createKey(gateway, { name: "a1", userId: "alice-owner" });
    const alice2 = await createKey(gateway, { name: "a2", userId: "alice-owner" });
    const bob = await createKey(gateway, { name: "b", userId: "bob-owner" });
    const stream = await call(gateway, "POST", "/api/v2/chat/stream", { token: alice.key, body: { message: "Hi", engine: "vllm" } });
    assert.equal(stream.status, 200);
    const meta = parseSse(await stream.text()).find((event) => event.event === "meta");
    const { sessionId } = JSON.parse(meta?.data ?? "{}") as { sessionId: string };

    const list = async (key: string) => ((await (await call(gateway, "GET", "/api/v2/chat/sessions", { token: key })).json()) as Page<SessionView>).data.map((s) => s.id);
    assert.ok((await list(alice2.key)).includes(sessionId));
    assert.ok(!(await list(bob.key)).includes(sessionId));
    assert.ok(!(await list(ADMIN_KEY)).includes(sessionId), "admins do not see users' sessions either");

    assert.equal((await call(gateway, "GET", `/api/v2/chat/sessions/${sessionId}/messages`, { token: bob.key })).status, 404);
    assert.equal((await call(gateway, "DELETE", `/api/v2/chat/sessions/${sessionId}`, { token: bob.key })).status, 404);
    assert.equal((await call(gateway, "POST", "/api/v2/chat/stream", { token: bob.key, body: { message: "Hi", sessionId } })).status, 404);
    assert.equal((await call(gateway, "GET", `/api/v2/chat/sessions/${sessionId}/messages`, { token: alice2.key })).status, 200);
    assert.equal((await call(gateway, "DELETE", `/api/v2/chat/sessions/${sessionId}`, { token: alice.key })).status, 204);
  });

  describe("allowed models", () => {
    const chat = (key: string, model: string) => call(gateway, "POST", "/v1/chat/completions", { token: key, body: chatBody(model) });
    const turn = (key: string, body: Record<string, unknown>) => call(gateway, "POST", "/api/v2/chat/stream", { token: key, body: { message: "Hi", ...body } });

    test("an engine/model listing allows that model only", async () => {
      const { key } = await createKey(gateway, { name: "one model", allowedModels: ["vllm/mock-model"] });
      assert.equal((await chat(key, "vllm/mock-model")).status, 200);
      assert.equal((await chat(key, "mock-model")).status, 200, "a bare id resolves to the listed engine/model");
      assert.equal((await chat(key, "vllm")).status, 200, "so does the engine name (its first model)");
      for (const model of ["vllm/other-model", "other-model", "auto", "chat", "vllm/nope", "nope"]) {
        const refused = await chat(key, model);
        assert.equal(refused.status, 403, model);
        const error = await errorOf(refused);
        assert.equal(error.code, "forbidden");
        assert.equal(error.param, "model");
        assert.equal(error.type, "permission_error");
      }
      const served = mock.requests.length;
      assert.equal((await turn(key, { engine: "vllm", model: "mock-model" })).status, 200);
      assert.equal((await turn(key, { model: "vllm/mock-model" })).status, 200);
      assert.equal((await turn(key, {})).status, 403, "no engine means the default (auto), not listed");
      assert.equal((await turn(key, { engine: "chat" })).status, 403);
      assert.equal((await turn(key, { engine: "vllm", model: "other-model" })).status, 403);
      assert.equal(mock.requests.length, served + 2, "refused turns never reached the engine");
    });

    test("engine names, route names and auto are listed as such", async () => {
      const engine = await createKey(gateway, { name: "engine", allowedModels: ["vllm"] });
      assert.equal((await chat(engine.key, "vllm/other-model")).status, 200);
      assert.equal((await chat(engine.key, "vllm")).status, 200);
      assert.equal((await chat(engine.key, "chat")).status, 403, "a route is not its engines");
      assert.equal((await turn(engine.key, { engine: "vllm" })).status, 200);

      const route = await createKey(gateway, { name: "route", allowedModels: ["chat"] });
      assert.equal((await chat(route.key, "chat")).status, 200);
      assert.equal((await chat(route.key, "vllm/mock-model")).status, 403, "not the route's targets directly");
      assert.equal((await turn(route.key, { engine: "chat" })).status, 200);

      const auto = await createKey(gateway, { name: "auto", allowedModels: ["auto"] });
      assert.equal((await chat(auto.key, "auto")).status, 200);
      assert.equal((await turn(auto.key, {})).status, 200);
      assert.equal((await chat(auto.key, "vllm/mock-model")).status, 403);
    });

    test("keys without a list, admin keys and unknown models behave as before", async () => {
      const open = await createKey(gateway, { name: "open" });
      assert.equal((await chat(open.key, "vllm/other-model")).status, 200);
      assert.equal((await chat(open.key, "nope")).status, 404);
      const listed = await createKey(gateway, { name: "listed", allowedModels: ["nope"] });
      assert.equal((await chat(listed.key, "nope")).status, 404, "listed but unknown: the ordinary not-found answer");
    });
  });
});
