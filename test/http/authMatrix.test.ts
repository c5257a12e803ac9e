/**
 * The authorization matrix: every route the server registered (read from the app, never listed here) called as
 * anonymous, as a user key, as another user's key, as an admin key, and as an admin key from outside
 * auth.adminAllowlist; each answer must match the route's declared policy. Owner-scoped routes are called on
 * the first user's session and message, so another user (and an admin, who owns nothing here) gets 404.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import type { TestGateway } from "../support/startGateway.js";
import { parseSse } from "../support/readSse.js";
import { configSchema } from "../../src/config/schema.js";
import { createLogger } from "../../src/logger.js";
import { openStore } from "../../src/store/openStore.js";
import { createRouting } from "../../src/routing/createRouting.js";
import { createRequestSignals } from "../../src/http/requestSignals.js";
import { buildApp } from "../../src/http/buildApp.js";
import type { RoutePolicyEntry } from "../../src/http/authentication.js";
import type { RoutePolicy } from "../../src/auth/principal.js";
import { ADMIN_KEY, call, chatBody, startAuthGateway } from "../auth/authGateway.js";

const INSIDE = "10.20.30.40";
const OUTSIDE = "203.0.113.9";

type Caller = "anonymous" | "otherUser" | "admin" | "adminOutside" | "owner";
/** The owner goes last: its calls may change state (a DELETE) that the others must see unchanged. */
const callers: readonly Caller[] = ["anonymous", "otherUser", "admin", "adminOutside", "owner"];

interface Fixtures {
  sessionId: string;
  /** A second session of the owner, for DELETE, so deleting does not hide the first from the other routes. */
  spareSessionId: string;
  messageId: string;
}

interface Sample {
  path: string;
  body?: unknown;
  /** True when the request names the owner's session or message: only the owner may get past 404. */
  ownerScoped: boolean;
}

/**
 * A request for a route that gets past validation where it can, so the policy (not a 400) decides. Routes this
 * table does not know get an empty JSON body: a 400 is still "not 401/403", which is what the matrix asserts.
 */
function sampleFor(route: RoutePolicyEntry, fixtures: Fixtures): Sample {
  const ownedSession = /^\/api\/v2\/chat\/sessions\/:id(\/|$)/.test(route.url);
  const sessionId = route.method === "DELETE" ? fixtures.spareSessionId : fixtures.sessionId;
  // A catch-all (a CORS preflight route) is tried on a real path; other wildcards stand for a model id.
  const path =
    route.url === "*" || route.url === "/*"
      ? "/health/live"
      : route.url.replace(/:(\w+)/g, (_, name: string) => (ownedSession && name === "id" ? sessionId : randomUUID())).replace(/\*$/, "vllm/mock-model");
  const key = `${route.method} ${route.url}`;
  const bodies: Record<string, { body: unknown; ownerScoped?: boolean }> = {
    "POST /v1/chat/completions": { body: chatBody() },
    "POST /api/v2/chat/stream": { body: { message: "Hi", sessionId: fixtures.sessionId }, ownerScoped: true },
    "POST /api/v2/chat/feedback": { body: { messageId: fixtures.messageId, score: 1 }, ownerScoped: true },
    "POST /api/v2/ab": { body: { name: `matrix-${randomUUID()}`, status: "paused", variants: [{ name: "a", weight: 1 }] } },
    "PATCH /api/v2/ab/:id": { body: { status: "paused" } },
    "POST /api/v2/admin/keys": { body: { name: "made by the matrix" } },
    "POST /mcp": { body: { jsonrpc: "2.0", id: 1, method: "tools/list" } },
  };
  const known = bodies[key];
  const hasBody = ["POST", "PUT", "PATCH"].includes(route.method);
  return {
    path,
    ...(known ? { body: known.body } : hasBody ? { body: {} } : {}),
    ownerScoped: ownedSession || known?.ownerScoped === true,
  };
}

/** What each caller must get, by policy. "pass": anything but 401/403 (a 2xx, or a 4xx the handler chose). */
type Expected = 401 | 403 | 404 | "pass" | "2xx";

function expected(policy: RoutePolicy, caller: Caller, ownerScoped: boolean): Expected {
  if (policy === "public") return "pass";
  if (caller === "anonymous") return 401;
  if (policy === "admin") return caller === "admin" ? "pass" : 403;
  if (!ownerScoped) return "pass";
  return caller === "owner" ? "2xx" : 404;
}

function matches(status: number, want: Expected): boolean {
  if (want === "pass") return status !== 401 && status !== 403;
  if (want === "2xx") return status >= 200 && status < 300;
  return status === want;
}

describe("authorization matrix", () => {
  let mock: MockUpstream;
  let gateway: TestGateway;
  const tokens = new Map<Caller, string | undefined>();
  let fixtures: Fixtures;

  before(async () => {
    mock = await startMockUpstream();
    gateway = await startAuthGateway(mock, {
      server: { trustProxy: true },
      auth: { adminAllowlist: ["10.20.0.0/16", "2001:db8::/32"] },
    });
    const inside = { "x-forwarded-for": INSIDE };
    const mint = async (body: Record<string, unknown>) => {
      const response = await call(gateway, "POST", "/api/v2/admin/keys", { token: ADMIN_KEY, body, headers: inside });
      assert.equal(response.status, 201, await response.clone().text());
      return ((await response.json()) as { key: string }).key;
    };
    const admin = await mint({ name: "matrix admin", role: "admin", userId: "matrix-admin" });
    tokens.set("anonymous", undefined);
    tokens.set("owner", await mint({ name: "owner", userId: "matrix-owner" }));
    tokens.set("otherUser", await mint({ name: "other", userId: "matrix-other" }));
    tokens.set("admin", admin);
    tokens.set("adminOutside", admin);

    const turn = async () => {
      const response = await call(gateway, "POST", "/api/v2/chat/stream", { token: tokens.get("owner"), body: { message: "Hi", engine: "vllm" } });
      assert.equal(response.status, 200);
      const meta = parseSse(await response.text()).find((event) => event.event === "meta");
      return JSON.parse(meta?.data ?? "{}") as { sessionId: string; messageId: string };
    };
    const first = await turn();
    const spare = await turn();
    fixtures = { sessionId: first.sessionId, messageId: first.messageId, spareSessionId: spare.sessionId };
  });
  after(async () => {
    await gateway?.stop();
    await mock?.close();
  });

  test("every registered route answers each caller as its policy says", async () => {
    const routes = gateway.app.routePolicies;
    assert.ok(routes.length >= 15, `only ${routes.length} routes recorded`);
    for (const url of ["/v1/chat/completions", "/api/v2/chat/sessions/:id", "/api/v2/admin/keys/:id", "/api/v2/ab/:id", "/health/live"]) {
      assert.ok(routes.some((route) => route.url === url), `${url} is among the routes`);
    }
    const failures: string[] = [];
    let checked = 0;
    for (const route of routes) {
      assert.ok(["public", "user", "admin"].includes(route.policy), `${route.method} ${route.url} has policy ${String(route.policy)}`);
      const sample = sampleFor(route, fixtures);
      for (const caller of callers) {
        const want = expected(route.policy, caller, sample.ownerScoped);
        const response = await call(gateway, route.method, sample.path, {
          token: tokens.get(caller),
          body: sample.body,
          headers: { "x-forwarded-for": caller === "adminOutside" ? OUTSIDE : INSIDE },
        });
        await response.arrayBuffer();
        checked++;
        if (!matches(response.status, want)) {
          failures.push(`${route.method} ${route.url} (${route.policy}) as ${caller}: got ${response.status}, expected ${want}`);
        }
      }
    }
    assert.deepEqual(failures, [], `${failures.length} of ${checked} checks failed`);
  });

  test("the allowlist reads the client address only through a trusted proxy, and knows IPv6", async () => {
    const admin = tokens.get("admin");
    const at = (address: string) => call(gateway, "GET", "/api/v2/admin/keys", { token: admin, headers: { "x-forwarded-for": address } });
    assert.equal((await at("10.20.255.1")).status, 200);
    assert.equal((await at("2001:db8::7")).status, 200);
    assert.equal((await at("::ffff:10.20.0.9")).status, 200, "IPv4-mapped");
    assert.equal((await at("10.21.0.1")).status, 403);
    assert.equal((await at(`${OUTSIDE}, ${INSIDE}`)).status, 403, "the client is the first address the proxies forwarded");
    assert.equal((await call(gateway, "GET", "/api/v2/admin/keys", { token: admin })).status, 403, "loopback itself is not listed");
    assert.equal((await call(gateway, "GET", "/api/v2/chat/sessions", { token: admin, headers: { "x-forwarded-for": OUTSIDE } })).status, 200, "user routes ignore the allowlist");

    const untrusting = await startAuthGateway(mock, { auth: { adminAllowlist: ["10.20.0.0/16"] } });
    try {
      const response = await call(untrusting, "GET", "/api/v2/admin/keys", { token: ADMIN_KEY, headers: { "x-forwarded-for": INSIDE } });
      assert.equal(response.status, 403, "without server.trustProxy a forwarded address is ignored");
    } finally {
      await untrusting.stop();
    }
  });

  test("a user's key never reaches admin routes, whatever the address", async () => {
    const response = await call(gateway, "GET", "/api/v2/admin/keys", { token: tokens.get("owner"), headers: { "x-forwarded-for": INSIDE } });
    assert.equal(response.status, 403);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, "forbidden");
  });
});

test("a route registered without a policy fails the build of the app", async () => {
  const config = configSchema.parse({ store: { url: "sqlite::memory:" }, log: { level: "silent" } });
  const logger = createLogger("silent");
  const store = await openStore(config.store.url);
  const routing = createRouting(config, logger);
  const app = buildApp({
    config,
    logger,
    store,
    router: routing.router,
    // Never called: the app is only built.
    chat: { start: () => Promise.reject(new Error("not used")), remove: () => Promise.reject(new Error("not used")) },
    signals: createRequestSignals(),
    draining: () => false,
  });
  try {
    let failure: unknown;
    try {
      app.get("/api/v2/forgotten", async () => ({ open: true }));
      await app.ready();
    } catch (error) {
      failure = error;
    }
    assert.match(String(failure), /declares no policy/);
    assert.ok(!app.routePolicies.some((route) => route.url === "/api/v2/forgotten"), "and it is not recorded as a route");
  } finally {
    await app.close().catch(() => undefined);
    await routing.close();
    await store.close();
  }
});
