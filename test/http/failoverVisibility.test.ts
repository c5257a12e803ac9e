/**
 * Failovers an operator can see: a fallback logs one line (from, to, why, the request's trace id), a breaker's
 * turns are logged with the fault behind them, readiness and the admin engines view carry each engine's breaker
 * and last error, and an upstream failure names its engine wherever it is shown. Expected failures log one line
 * without a stack.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { startGateway, type TestGateway } from "../support/startGateway.js";
import { postJson } from "../support/readSse.js";
import { eventually } from "../support/eventually.js";
import { jsonOf, type ErrorBody } from "../support/apiTypes.js";

type Line = Record<string, unknown>;

let backup: MockUpstream;
let gateway: TestGateway;
let lines: Line[] = [];

// Port 1 on loopback refuses every connection: an upstream that is down.
const refused = "http://127.0.0.1:1/v1";
const policy = { retry: { attempts: 1, baseDelayMs: 5, maxDelayMs: 50 }, timeouts: { ttftMs: 2000, totalMs: 5000 } };

before(async () => {
  backup = await startMockUpstream();
  backup.script = () => ({ text: "backup says hi" });
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line.trim()) lines.push(JSON.parse(line) as Line);
      done();
    },
  });
  gateway = await startGateway(
    {
      engines: [
        // Opens after 3 failed calls and stays open for the whole file.
        { name: "flaky", type: "openai", baseUrl: refused, models: ["m"], ...policy, breaker: { failureRatio: 0.5, minRequests: 3, windowMs: 60_000, halfOpenAfterMs: 600_000 } },
        // Never opens: each call reaches the refusing upstream.
        { name: "down", type: "openai", baseUrl: refused, models: ["m"], ...policy, breaker: { failureRatio: 0.99, minRequests: 100_000, windowMs: 60_000, halfOpenAfterMs: 1000 } },
        { name: "backup", type: "openai", baseUrl: backup.url, models: ["m"], ...policy },
      ],
      routes: [{ name: "chat", strategy: "fallback", targets: ["flaky/m", "backup/m"] }],
    },
    { logDestination: destination, logLevel: "info" },
  );
});
after(async () => {
  await gateway.stop();
  await backup.close();
});

const chat = (model: string) => postJson(`${gateway.url}/v1/chat/completions`, { model, messages: [{ role: "user", content: "hi" }] });

interface EngineView {
  name: string;
  breaker: string;
  lastError: { code: string; message: string; at: string } | null;
}

test("a fallback logs from, to, the reason and the request's trace id; the client gets the backup's answer", async () => {
  lines = [];
  const response = await chat("chat");
  assert.equal(response.status, 200);
  const body = await jsonOf<{ choices: Array<{ message: { content: string } }> }>(response);
  assert.equal(body.choices[0]?.message.content, "backup says hi");
  const traceId = response.headers.get("x-trace-id");
  assert.ok(traceId);
  const line = await eventually(() => lines.find((l) => l.traceId === traceId && String(l.msg).startsWith("fallback")), 5000, "the fallback line");
  assert.equal(line.level, 30);
  assert.equal(line.from, "flaky/m");
  assert.equal(line.to, "backup/m");
  assert.equal(line.code, "engine_unavailable");
  assert.equal(line.reason, "engine flaky: upstream is unreachable (ECONNREFUSED)");
  assert.equal(line.msg, "fallback from flaky/m to backup/m: engine flaky: upstream is unreachable (ECONNREFUSED)");
});

test("an upstream failure names its engine in the client's error, and logs one line without a stack", async () => {
  lines = [];
  const response = await chat("down/m");
  assert.equal(response.status, 503);
  const body = await jsonOf<ErrorBody>(response);
  assert.equal(body.error.code, "engine_unavailable");
  assert.equal(body.error.message, "engine down: upstream is unreachable (ECONNREFUSED)");
  const line = await eventually(() => lines.find((l) => l.traceId === body.error.traceId && l.msg === "request failed"), 5000, "the failure line");
  assert.equal(line.level, 40);
  assert.equal(line.code, "engine_unavailable");
  assert.equal(line.err, undefined, "an explained failure carries no stack");
  assert.ok(!lines.some((l) => l.traceId === body.error.traceId && Number(l.level) >= 50), "nothing at error level for an expected failure");
});

test("the breaker opening is logged with its cause; readiness and the admin view show the state and the last error", async () => {
  lines = [];
  for (let i = 0; i < 4; i += 1) assert.equal((await chat("chat")).status, 200);
  const opened = await eventually(() => lines.find((l) => l.msg === "engine flaky: circuit breaker opened"), 5000, "the breaker line");
  assert.equal(opened.engine, "flaky");
  assert.equal(opened.lastError, "engine flaky: upstream is unreachable (ECONNREFUSED)");

  const { engines } = await jsonOf<{ engines: EngineView[] }>(fetch(`${gateway.url}/api/v2/admin/engines`));
  const flaky = engines.find((e) => e.name === "flaky");
  assert.equal(flaky?.breaker, "open");
  assert.equal(flaky?.lastError?.code, "engine_unavailable");
  assert.equal(flaky?.lastError?.message, "engine flaky: upstream is unreachable (ECONNREFUSED)");
  assert.ok(!Number.isNaN(Date.parse(flaky?.lastError?.at ?? "")));
  // The open breaker's own refusals do not replace the fault that opened it.
  assert.equal((await chat("flaky/m")).status, 503);
  const again = await jsonOf<{ engines: EngineView[] }>(fetch(`${gateway.url}/api/v2/admin/engines`));
  assert.equal(again.engines.find((e) => e.name === "flaky")?.lastError?.message, "engine flaky: upstream is unreachable (ECONNREFUSED)");
  assert.equal(again.engines.find((e) => e.name === "backup")?.lastError, null);

  const ready = await fetch(`${gateway.url}/health/ready`);
  assert.equal(ready.status, 200, "an open breaker does not take the replica out of the load balancer");
  const readyBody = await jsonOf<{ status: string; reasons: string[] }>(ready);
  assert.equal(readyBody.status, "degraded");
  assert.ok(
    readyBody.reasons.includes("engine flaky: circuit breaker open (last error: engine flaky: upstream is unreachable (ECONNREFUSED))"),
    JSON.stringify(readyBody.reasons),
  );
});
