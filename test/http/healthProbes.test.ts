/**
 * Probes against a real PostgreSQL store reached through a proxy the test can cut: readiness turns 503 after the
 * configured number of consecutive failed checks (not at the first), and 200 again when the store returns,
 * without a restart. Anonymous callers see only the status; admins see the checks. Startup and liveness answer.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { startGateway, type TestGateway } from "../support/startGateway.js";
import { createTestPostgresDatabase, type TestPostgresDatabase } from "../support/pgDatabase.js";
import { startTcpProxy, type TcpProxy } from "../support/tcpProxy.js";

const adminKey = "sy-admin-bootstrap-key-0123456789abcdef";
let upstream: MockUpstream;
let database: TestPostgresDatabase;
let proxy: TcpProxy;
let gateway: TestGateway;

before(async () => {
  upstream = await startMockUpstream();
  database = await createTestPostgresDatabase();
  const target = new URL(database.url);
  proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  const viaProxy = new URL(database.url);
  viaProxy.port = String(proxy.port);
  gateway = await startGateway({
    store: { url: viaProxy.toString() },
    engines: [{ name: "up", type: "openai", baseUrl: upstream.url, models: ["m"] }],
    auth: { mode: "keys", adminKey },
    health: { failureThreshold: 2, storeTimeoutMs: 1000 },
  });
});
after(async () => {
  await gateway?.stop();
  await proxy?.close();
  await database?.drop();
  await upstream?.close();
});

type ReadyBody = { status: string; reasons?: string[]; consecutiveFailures?: number; checks?: { store: { ok: boolean } } };
const ready = async (admin = false): Promise<{ status: number; body: ReadyBody }> => {
  const response = await fetch(`${gateway.url}/health/ready`, admin ? { headers: { authorization: `Bearer ${adminKey}` } } : {});
  return { status: response.status, body: (await response.json()) as ReadyBody };
};

test("liveness and startup answer 200", async () => {
  assert.equal((await fetch(`${gateway.url}/health/live`)).status, 200);
  const startup = await fetch(`${gateway.url}/health/startup`);
  assert.equal(startup.status, 200);
  assert.deepEqual(await startup.json(), { status: "started" });
});

test("anonymous callers get the status only; admins get the checks", async () => {
  const anonymous = await ready();
  assert.equal(anonymous.status, 200);
  assert.deepEqual(anonymous.body, { status: "ready" });
  const admin = await ready(true);
  assert.equal(admin.status, 200);
  assert.equal(admin.body.checks?.store.ok, true);
  assert.deepEqual(admin.body.reasons, []);
});

test("store unreachable: 503 after two consecutive failures; 200 again when it returns", async () => {
  assert.equal((await ready()).status, 200);
  proxy.cut();
  const first = await ready(true);
  assert.equal(first.status, 200, "one failed check is not enough to leave the load balancer");
  assert.equal(first.body.consecutiveFailures, 1);
  assert.equal(first.body.checks?.store.ok, false);
  const second = await ready(true);
  assert.equal(second.status, 503);
  assert.equal(second.body.status, "not_ready");
  assert.match(second.body.reasons?.join(" ") ?? "", /store/);
  // Liveness is not readiness: the process is fine, restarting it would not bring the database back.
  assert.equal((await fetch(`${gateway.url}/health/live`)).status, 200);

  proxy.restore();
  const back = await ready(true);
  assert.equal(back.status, 200, JSON.stringify(back.body));
  assert.equal(back.body.consecutiveFailures, 0);
});
