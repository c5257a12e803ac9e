/**
 * Signing in to the web console over HTTP: an API key (or a JWT) is traded for an HttpOnly, SameSite=Strict cookie
 * and a CSRF token; the cookie then authenticates the console's API calls, changes need the CSRF token, and the
 * session follows the key (revoked: signed out; user key: no admin routes). Replicas with one sessionSecret read
 * each other's sessions.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { SignJWT } from "jose";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import type { TestGateway } from "../support/startGateway.js";
import { ADMIN_KEY, call, chatBody, createKey, startAuthGateway } from "../auth/authGateway.js";

interface SessionBody {
  user: { userId: string; role: string; kind: string; keyId?: string };
  csrfToken: string;
  expiresAt: string | null;
  authMode: string;
  features: Record<string, boolean>;
}

interface ErrorBody {
  error: { code: string; message: string };
}

/** Signs in with a key; the cookie as a browser would send it back, and the session's answer. */
async function signIn(gateway: TestGateway, apiKey: string): Promise<{ cookie: string; setCookie: string; body: SessionBody }> {
  const response = await call(gateway, "POST", "/api/v2/console/session", { body: { apiKey } });
  assert.equal(response.status, 200, await response.clone().text());
  const setCookie = response.headers.get("set-cookie") ?? "";
  const cookie = setCookie.split(";")[0] ?? "";
  return { cookie, setCookie, body: (await response.json()) as SessionBody };
}

const withCookie = (cookie: string, extra: Record<string, string> = {}) => ({ headers: { cookie, ...extra } });

describe("console sessions", () => {
  let upstream: MockUpstream;
  let gateway: TestGateway;
  const SECRET = "a-console-session-secret-of-32-characters-or-more";

  before(async () => {
    upstream = await startMockUpstream();
    gateway = await startAuthGateway(upstream, { console: { sessionSecret: SECRET } });
  });
  after(async () => {
    await gateway.stop();
    await upstream.close();
  });

  test("a wrong key is refused with 401 and no cookie; a missing one with 400", async () => {
    const wrong = await call(gateway, "POST", "/api/v2/console/session", { body: { apiKey: "sy-not-a-key-that-exists-anywhere" } });
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as ErrorBody).error.code, "unauthorized");
    assert.equal(wrong.headers.get("set-cookie"), null);
    const missing = await call(gateway, "POST", "/api/v2/console/session", { body: {} });
    assert.equal(missing.status, 400);
    assert.equal(((await missing.json()) as ErrorBody).error.code, "invalid_request");
  });

  test("signing in sets an HttpOnly SameSite=Strict cookie that holds no key, and the session answers who it is", async () => {
    const { cookie, setCookie, body } = await signIn(gateway, ADMIN_KEY);
    assert.match(setCookie, /^switchyard_console=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Strict/);
    assert.doesNotMatch(setCookie, /Secure/, "plain HTTP: a Secure cookie would never come back");
    assert.ok(!setCookie.includes(ADMIN_KEY));
    assert.deepEqual(body.user, { userId: "admin", role: "admin", kind: "key", keyId: "bootstrap" });
    assert.equal(body.authMode, "keys");
    assert.equal(body.features.console, true);
    assert.ok(body.csrfToken.length >= 20);
    assert.ok(body.expiresAt !== null && Date.parse(body.expiresAt) > Date.now() + 7 * 3600_000);

    const again = await call(gateway, "GET", "/api/v2/console/session", withCookie(cookie));
    assert.equal(again.status, 200);
    const session = (await again.json()) as SessionBody;
    assert.equal(session.csrfToken, body.csrfToken);
    assert.equal(session.user.userId, "admin");
    assert.equal(again.headers.get("cache-control"), "no-store");
  });

  test("the cookie reads admin APIs; a change needs the CSRF token, and a wrong one is 403 csrf_failed", async () => {
    const { cookie, body } = await signIn(gateway, ADMIN_KEY);
    const list = await call(gateway, "GET", "/api/v2/admin/keys", withCookie(cookie));
    assert.equal(list.status, 200);

    const noToken = await call(gateway, "POST", "/api/v2/admin/keys", { ...withCookie(cookie), body: { name: "from-console" } });
    assert.equal(noToken.status, 403);
    assert.equal(((await noToken.json()) as ErrorBody).error.code, "csrf_failed");
    const wrongToken = await call(gateway, "POST", "/api/v2/admin/keys", { ...withCookie(cookie, { "x-csrf-token": "not-the-token" }), body: { name: "from-console" } });
    assert.equal(wrongToken.status, 403);
    const keysBefore = ((await (await call(gateway, "GET", "/api/v2/admin/keys", { token: ADMIN_KEY })).json()) as { data: Array<{ name: string }> }).data;
    assert.ok(!keysBefore.some((key) => key.name === "from-console"), "a refused change changed nothing");

    const made = await call(gateway, "POST", "/api/v2/admin/keys", { ...withCookie(cookie, { "x-csrf-token": body.csrfToken }), body: { name: "from-console" } });
    assert.equal(made.status, 201);
    // Chat through the console (the playground) is a POST too.
    const chat = await call(gateway, "POST", "/v1/chat/completions", { ...withCookie(cookie, { "x-csrf-token": body.csrfToken }), body: chatBody() });
    assert.equal(chat.status, 200);
    const chatWithout = await call(gateway, "POST", "/v1/chat/completions", { ...withCookie(cookie), body: chatBody() });
    assert.equal(chatWithout.status, 403);
  });

  test("a credential of the request's own wins over the cookie and needs no CSRF token", async () => {
    const user = await createKey(gateway, { name: "u", userId: "carol" });
    const { cookie } = await signIn(gateway, user.key);
    const asAdmin = await call(gateway, "POST", "/api/v2/admin/keys", { ...withCookie(cookie), token: ADMIN_KEY, body: { name: "by-header" } });
    assert.equal(asAdmin.status, 201);
  });

  test("a user's session is the user: own data yes, admin routes 403", async () => {
    const user = await createKey(gateway, { name: "dave's", userId: "dave" });
    const { cookie, body } = await signIn(gateway, user.key);
    assert.deepEqual(body.user, { userId: "dave", role: "user", kind: "key", keyId: user.id });
    assert.equal((await call(gateway, "GET", "/api/v2/usage", withCookie(cookie))).status, 200);
    const admin = await call(gateway, "GET", "/api/v2/admin/keys", withCookie(cookie));
    assert.equal(admin.status, 403);
    assert.equal(((await admin.json()) as ErrorBody).error.code, "forbidden");
  });

  test("revoking the key ends its console sessions at once", async () => {
    const user = await createKey(gateway, { name: "to-revoke", userId: "erin" });
    const { cookie } = await signIn(gateway, user.key);
    assert.equal((await call(gateway, "GET", "/api/v2/console/session", withCookie(cookie))).status, 200);
    assert.equal((await call(gateway, "DELETE", `/api/v2/admin/keys/${user.id}`, { token: ADMIN_KEY })).status, 204);
    const after = await call(gateway, "GET", "/api/v2/console/session", withCookie(cookie));
    assert.equal(after.status, 401);
    assert.match(((await after.json()) as ErrorBody).error.message, /revoked/);
  });

  test("a tampered or foreign cookie is 401, and signing out clears the cookie", async () => {
    const { cookie } = await signIn(gateway, ADMIN_KEY);
    const tampered = `${cookie.slice(0, -4)}AAAA`;
    assert.equal((await call(gateway, "GET", "/api/v2/console/session", withCookie(tampered))).status, 401);
    assert.equal((await call(gateway, "GET", "/api/v2/console/session", withCookie("switchyard_console=garbage"))).status, 401);
    // A public route still answers with a bad cookie.
    assert.equal((await call(gateway, "GET", "/health/live", withCookie(tampered))).status, 200);

    const out = await call(gateway, "DELETE", "/api/v2/console/session", withCookie(cookie));
    assert.equal(out.status, 204);
    assert.match(out.headers.get("set-cookie") ?? "", /^switchyard_console=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict/);
  });

  test("replicas with the same sessionSecret share sessions; another secret does not read them", async () => {
    const { cookie } = await signIn(gateway, ADMIN_KEY);
    const twin = await startAuthGateway(upstream, { console: { sessionSecret: SECRET }, store: { url: `sqlite:${gateway.dataDir}/switchyard.db` } });
    const stranger = await startAuthGateway(upstream, { console: { sessionSecret: "another-secret-entirely-of-32-characters" } });
    try {
      assert.equal((await call(twin, "GET", "/api/v2/console/session", withCookie(cookie))).status, 200);
      assert.equal((await call(stranger, "GET", "/api/v2/console/session", withCookie(cookie))).status, 401);
    } finally {
      await twin.stop();
      await stranger.stop();
    }
  });
});

describe("console sessions with JWTs and without auth", () => {
  let upstream: MockUpstream;
  before(async () => {
    upstream = await startMockUpstream();
  });
  after(async () => upstream.close());

  test("a JWT sign-in carries the token's user and role and ends when the token does", async () => {
    const secret = "an-hs256-shared-secret-of-at-least-32-characters";
    const gateway = await startAuthGateway(upstream, { auth: { mode: "keys+jwt", jwt: { secret } } });
    try {
      const exp = Math.floor(Date.now() / 1000) + 600;
      const jwt = await new SignJWT({ roles: ["admin"] }).setProtectedHeader({ alg: "HS256" }).setSubject("frank").setExpirationTime(exp).sign(new TextEncoder().encode(secret));
      const response = await call(gateway, "POST", "/api/v2/console/session", { token: jwt, body: {} });
      assert.equal(response.status, 200);
      const body = (await response.json()) as SessionBody;
      assert.deepEqual(body.user, { userId: "frank", role: "admin", kind: "jwt" });
      assert.equal(Date.parse(body.expiresAt ?? ""), exp * 1000);
      const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
      assert.equal((await call(gateway, "GET", "/api/v2/admin/engines", withCookie(cookie))).status, 200);
    } finally {
      await gateway.stop();
    }
  });

  test("with auth.mode none the console is the local admin and needs no sign-in", async () => {
    const { startGateway, openAIEngine } = await import("../support/startGateway.js");
    const gateway = await startGateway({ engines: [openAIEngine("vllm", upstream.url)] });
    try {
      const response = await fetch(`${gateway.url}/api/v2/console/session`);
      assert.equal(response.status, 200);
      const body = (await response.json()) as SessionBody;
      assert.deepEqual(body.user, { userId: "local", role: "admin", kind: "local" });
      assert.equal(body.authMode, "none");
    } finally {
      await gateway.stop();
    }
  });

  test("features.console off: the sign-in API and the pages answer 404 naming the flag", async () => {
    const { startGateway, openAIEngine } = await import("../support/startGateway.js");
    const gateway = await startGateway({ engines: [openAIEngine("vllm", upstream.url)], features: { console: false } });
    try {
      for (const path of ["/api/v2/console/session", "/console/", "/console/keys"]) {
        const response = await fetch(`${gateway.url}${path}`);
        assert.equal(response.status, 404, path);
        assert.match(((await response.json()) as ErrorBody).error.message, /features\.console/);
      }
    } finally {
      await gateway.stop();
    }
  });
});
