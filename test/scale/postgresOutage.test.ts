/**
 * PostgreSQL going away under a running gateway, never the shared server: first a server of the test's own,
 * stopped and started again (initdb in a temporary directory, own port); then a network partition, a proxy the
 * test cuts. Either way readiness turns 503 within 5 s, store-backed requests fail fast with store_unavailable
 * and write nothing, OpenAI chat keeps answering with its ledger rows buffered, and when the database returns
 * readiness is 200 again without a restart and the ledger holds exactly one row per completed request.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { createTestPostgresDatabase, type TestPostgresDatabase } from "../support/pgDatabase.js";
import { startTcpProxy, type TcpProxy } from "../support/tcpProxy.js";
import { eventually } from "../support/eventually.js";
import { startOwnPostgres, type OwnPostgres } from "../support/ownPostgres.js";
import { readSse } from "../support/readSse.js";

let mock: MockUpstream;
let database: TestPostgresDatabase;
let proxy: TcpProxy;
let gateway: TestGateway;
let own: OwnPostgres;
let ownGateway: TestGateway;

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
  own = await startOwnPostgres();
  ownGateway = await startGateway({
    store: { url: own.url },
    engines: [openAIEngine("vllm", mock.url)],
    health: { failureThreshold: 2, storeTimeoutMs: 1000 },
  });
});
after(async () => {
  await ownGateway?.stop();
  await own?.destroy();
  await gateway?.stop();
  await proxy?.close();
  await database?.drop();
  await mock?.close();
});

const chat = async (on = gateway) => {
  const response = await fetch(`${on.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "vllm/mock-model", messages: [{ role: "user", content: "hi" }] }),
  });
  await response.text();
  return response.status;
};

/** Probes every 500 ms, as a load balancer would, until readiness answers `code`; returns how long it took. */
async function readinessTurns(on: TestGateway, code: number, timeoutMs: number): Promise<number> {
  const started = performance.now();
  await eventually(async () => {
    const status = (await fetch(`${on.url}/health/ready`)).status;
    return status === code ? true : (await new Promise((resolve) => setTimeout(resolve, 500)), undefined);
  }, timeoutMs, `readiness to turn ${code}`);
  return performance.now() - started;
}

const turn = (on: TestGateway, body: Record<string, unknown>) =>
  fetch(`${on.url}/api/v2/chat/stream`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

const errorCode = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

test("own PostgreSQL stopped and started: 503 within 5 s, fast store_unavailable, no partial writes, 200 again, ledger exact", async () => {
  assert.equal((await fetch(`${ownGateway.url}/health/ready`)).status, 200);
  let completed = 0;
  for (let i = 0; i < 4; i++) if ((await chat(ownGateway)) === 200) completed++;
  const first = await turn(ownGateway, { message: "remember me" });
  assert.equal(first.status, 200);
  const meta = (await readSse(first)).find((e) => e.event === "meta");
  const sessionId = (JSON.parse(meta!.data) as { sessionId: string }).sessionId;
  completed++;

  await own.stop();
  assert.ok((await readinessTurns(ownGateway, 503, 5000)) < 5000, "readiness 503 within 5 s");

  // Store-backed requests: refused at once (a refused connection, not the 30 s request timeout), nothing written.
  const requestTimeoutMs = ownGateway.config.server.timeouts.requestMs;
  for (const attempt of [
    () => fetch(`${ownGateway.url}/api/v2/chat/sessions`),
    () => fetch(`${ownGateway.url}/api/v2/chat/sessions/${sessionId}/messages`),
    () => turn(ownGateway, { message: "a turn while the store is down", sessionId }),
    () => turn(ownGateway, { message: "a new session while the store is down" }),
  ]) {
    const started = performance.now();
    const response = await attempt();
    const tookMs = performance.now() - started;
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "2");
    assert.equal(await errorCode(response), "store_unavailable");
    assert.ok(tookMs < Math.min(2000, requestTimeoutMs / 10), `failed fast (${Math.round(tookMs)} ms)`);
  }
  // OpenAI chat needs no store on its path: it answers, and its ledger rows wait in the buffer.
  for (let i = 0; i < 4; i++) if ((await chat(ownGateway)) === 200) completed++;
  assert.equal(completed, 9);

  await own.start();
  await readinessTurns(ownGateway, 200, 15_000);
  // The failed turns left no trace: one session, with the two messages of its one turn.
  const sessions = await fetch(`${ownGateway.url}/api/v2/chat/sessions`);
  assert.equal(sessions.status, 200);
  assert.deepEqual(((await sessions.json()) as { data: Array<{ id: string }> }).data.map((s) => s.id), [sessionId]);
  const messages = await fetch(`${ownGateway.url}/api/v2/chat/sessions/${sessionId}/messages`);
  const history = ((await messages.json()) as { data: Array<{ role: string; status: string }> }).data;
  assert.deepEqual(history.map((m) => `${m.role}:${m.status}`), ["user:complete", "assistant:complete"]);
  // Every ledger row (any status) is a completed request: the refused turns never reached the meter.
  await eventually(async () => {
    const response = await fetch(`${ownGateway.url}/api/v2/admin/usage?limit=100`);
    if (response.status !== 200) return undefined;
    return ((await response.json()) as { totals: { requests: number } }).totals.requests === completed;
  }, 10_000, "every completed request in the ledger");
  const complete = await fetch(`${ownGateway.url}/api/v2/admin/usage?status=complete&limit=100`);
  assert.equal(((await complete.json()) as { totals: { requests: number } }).totals.requests, completed);
  // And the session goes on where it stopped, on the same running server.
  const next = await turn(ownGateway, { message: "still there?", sessionId });
  assert.equal(next.status, 200);
  assert.equal((await readSse(next)).at(-1)?.event, "done");
});

test("a network partition (proxy cut) and back: 503 within 5 s, fast store_unavailable, 200 again, one ledger row per completed request", async () => {
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
