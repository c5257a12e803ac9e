import { test } from "node:test";
import assert from "node:assert/strict";
import { pino } from "pino";
import { createLogger } from "../../src/logger.js";
import { createAccessLog, type AccessLine } from "../../src/observability/createAccessLog.js";

function capture(level: string, secrets: string[] = []) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger(level, { secrets, destination: { write: (text: string) => void lines.push(JSON.parse(text) as Record<string, unknown>) } });
  return { logger, lines };
}

const line = (over: Partial<AccessLine> = {}): AccessLine => ({
  traceId: "0123456789abcdef0123456789abcdef",
  requestId: "019af0b2-1234-7abc-8def-0123456789ab",
  userId: "alice",
  route: "/v1/chat/completions",
  method: "POST",
  url: "/v1/chat/completions",
  status: 200,
  durationMs: 1.234,
  bytes: 512,
  ip: "127.0.0.1",
  ...over,
});

test("the access line has the fields and bindings of the logger's own lines", () => {
  const { logger, lines } = capture("info");
  logger.info({ probe: true }, "a line of pino's own");
  createAccessLog(logger)(line({ sessionId: "s-1" }), false);
  const [own, access] = lines;
  assert.ok(own && access);
  for (const key of ["level", "pid", "hostname", "service"]) assert.equal(access[key], own[key], key);
  assert.equal(typeof access.time, "string");
  assert.ok(!Number.isNaN(Date.parse(String(access.time))));
  assert.deepEqual(
    { ...access, time: undefined, pid: undefined, hostname: undefined },
    {
      level: 30,
      time: undefined,
      pid: undefined,
      hostname: undefined,
      service: "switchyard",
      traceId: "0123456789abcdef0123456789abcdef",
      requestId: "019af0b2-1234-7abc-8def-0123456789ab",
      userId: "alice",
      sessionId: "s-1",
      route: "/v1/chat/completions",
      method: "POST",
      url: "/v1/chat/completions",
      status: 200,
      durationMs: 1.234,
      bytes: 512,
      ip: "127.0.0.1",
      msg: "request completed",
    },
  );
});

test("credentials in the url or the user id are scrubbed, and odd text stays valid JSON", () => {
  const { logger, lines } = capture("info", ["configured-secret-value"]);
  createAccessLog(logger)(line({ url: '/v1/models?api_key=sk-abcdefghijklmnopqrstuvwx&q="quoted"\n', userId: "user configured-secret-value" }), false);
  const access = lines[0];
  assert.ok(access);
  assert.equal(access.url, '/v1/models?api_key=[redacted]&q="quoted"\n');
  assert.equal(access.userId, "user [redacted]");
});

test("quiet lines are debug and written only when debug is on; absent fields are left out", () => {
  const info = capture("info");
  createAccessLog(info.logger)(line(), true);
  assert.equal(info.lines.length, 0);
  const debug = capture("debug");
  createAccessLog(debug.logger)(line({ userId: undefined, bytes: undefined, ip: undefined }), true);
  const access = debug.lines[0];
  assert.ok(access);
  assert.equal(access.level, 20);
  assert.equal("userId" in access || "bytes" in access || "ip" in access, false);
  const silent = capture("warn");
  createAccessLog(silent.logger)(line(), false);
  assert.equal(silent.lines.length, 0);
});

test("a logger made elsewhere gets the line through its own methods", () => {
  const lines: Array<Record<string, unknown>> = [];
  const foreign = pino({ level: "info" }, { write: (text: string) => void lines.push(JSON.parse(text) as Record<string, unknown>) });
  createAccessLog(foreign)(line(), false);
  assert.equal(lines[0]?.msg, "request completed");
  assert.equal(lines[0]?.status, 200);
});
