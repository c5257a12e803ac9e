/**
 * Load shedding: past a configured limit (here a heap limit every process exceeds) new requests get 503
 * server_overloaded with Retry-After in the API's envelope, while probes and scrapes still answer and the shed
 * requests are counted.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startGateway, type TestGateway } from "../support/startGateway.js";
import { eventually } from "../support/eventually.js";

let gateway: TestGateway;
before(async () => {
  gateway = await startGateway({ loadShedding: { maxHeapUsedBytes: 1, retryAfterSeconds: 7 } });
});
after(() => gateway.stop());

test("over the limit: 503 server_overloaded with Retry-After on both API families", async () => {
  // under-pressure samples memory on an interval: wait for the first sample to land.
  const shed = await eventually(async () => {
    const response = await fetch(`${gateway.url}/v1/models`);
    return response.status === 503 ? response : (await response.text(), undefined);
  }, 5000, "the first memory sample");
  assert.equal(shed.headers.get("retry-after"), "7");
  const body = (await shed.json()) as { error: { code: string; type: string } };
  assert.equal(body.error.code, "server_overloaded");
  assert.equal(body.error.type, "server_error");

  const session = await fetch(`${gateway.url}/api/v2/chat/sessions`);
  assert.equal(session.status, 503);
  assert.equal(((await session.json()) as { error: { code: string } }).error.code, "server_overloaded");
});

test("probes and scrapes pass, and the shed requests are counted", async () => {
  assert.equal((await fetch(`${gateway.url}/health/live`)).status, 200);
  // No engine is configured, so readiness says not_ready: its own answer, not the overload error.
  const ready = (await (await fetch(`${gateway.url}/health/ready`)).json()) as { status?: string; error?: unknown };
  assert.equal(ready.status, "not_ready");
  assert.equal(ready.error, undefined);
  const scrape = await fetch(`${gateway.url}/metrics`);
  assert.equal(scrape.status, 200);
  const text = await scrape.text();
  const match = /^requests_shed_total\{reason="heap"\} (\d+)$/m.exec(text);
  assert.ok(match && Number(match[1]) >= 2, `requests_shed_total: ${match?.[0]}`);
});
