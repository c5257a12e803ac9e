/**
 * PostgreSQL going away under a running gateway (through a proxy the test cuts, never the shared server):
 * readiness turns 503 within 5 s, store-backed requests fail fast with store_unavailable, chat keeps answering
 * with its ledger rows buffered, and when the database returns readiness is 200 again without a restart and the
 * ledger holds exactly one row per completed request.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { createTestPostgresDatabase, type TestPostgresDatabase } from "../support/pgDatabase.js";
import { startTcpProxy, type TcpProxy } from "../support/tcpProxy.js";
import { eventually } from "../support/eventually.js";

let mock: MockUpstream;
let database: TestPostgresDatabase;
let proxy: TcpProxy;
let gateway: TestGateway;

before(async () => {
  mock = await startMockUpstream();
  mock.script = () => ({ text: "hi", usage: { prompt_tokens: 3, completion_tokens: 2 } });
  database = await createTestPostgresDatabase();
  const target = new URL(database.url);
  proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  target.port = String(proxy.port);
  gateway = await startGateway({
    store: { url: target.toString() },
    engines: [openAIEngine("vllm", mock.url)],
    health: { failureThreshold: 2, storeTimeoutMs: 1000 },
  });
});
after(async () => {
  await gateway?.stop();
  await proxy?.close();
  await database?.drop();
  await mock?.close();
});

const chat = async () => {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "vllm/mock-model", messages: [{ role: "user", content: "hi" }] }),
  });
  await response.text();
  return response.status;
};

test("PostgreSQL down and back: 503 within 5 s, fast store_unavailable, 200 again, one ledger row per completed request", async () => {
  assert.equal((await fetch(`${gateway.url}/health/ready`)).status, 200);
  let completed = 0;
  for (let i = 0; i < 5; i++) if ((await chat()) === 200) completed++;

  proxy.cut();
  const cutAt = performance.now();
  // Probes every 500 ms, as a load balancer would.
  await eventually(async () => {
    const status = (await fetch(`${gateway.url}/health/ready`)).status;
    return status === 503 ? true : (await new Promise((resolve) => setTimeout(resolve, 500)), undefined);
  }, 5000, "readiness to turn 503");
  assert.ok(performance.now() - cutAt < 5000);

  const started = performance.now();
  const sessions = await fetch(`${gateway.url}/api/v2/chat/sessions`);
  assert.equal(sessions.status, 503);
  assert.equal(((await sessions.json()) as { error: { code: string } }).error.code, "store_unavailable");
  assert.ok(performance.now() - started < 3000, "a store-backed request fails fast");
  // Chat needs no store on its path: it answers, and its ledger rows wait in the buffer.
  for (let i = 0; i < 5; i++) if ((await chat()) === 200) completed++;
  assert.equal(completed, 10);

  proxy.restore();
  await eventually(async () => (await fetch(`${gateway.url}/health/ready`)).status === 200, 10_000, "readiness to return");
  // The usage API flushes this replica's buffer first, so the rows written during the outage are counted.
  const usage = await eventually(async () => {
    const response = await fetch(`${gateway.url}/api/v2/admin/usage?status=complete&limit=100`);
    if (response.status !== 200) return undefined;
    const body = (await response.json()) as { totals: { requests: number } };
    return body.totals.requests === completed ? body : undefined;
  }, 10_000, "every completed request in the ledger");
  assert.equal(usage.totals.requests, completed);
});
