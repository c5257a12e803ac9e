/**
 * The body log over a real store, on both dialects: exchanges are written in batches and only when flushed (the
 * request hands over references), scrubbed inside the JSON (which stays JSON), cut without splitting a character,
 * images left out; a store that fails loses that flush's bodies with a warning and nothing else; a full buffer
 * drops and says so once per flush.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { createLogger } from "../../src/logger.js";
import { createScrubber } from "../../src/observability/createScrubber.js";
import { createRequestBodyLog } from "../../src/observability/createRequestBodyLog.js";
import type { LoggedExchange } from "../../src/observability/toRequestBodyRecord.js";
import type { RequestBodyRecord } from "../../src/store/requestBodies.js";
import { eachDialect } from "../store/eachDialect.js";

const SECRET = "upstream-secret-0123456789";
const scrub = createScrubber([SECRET]);

function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger("warn", { destination }) };
}

const exchange = (content: string, answer?: LoggedExchange["answer"]): LoggedExchange => ({
  requestId: randomUUID(),
  at: Date.UTC(2025, 0, 1),
  model: "auto",
  request: { messages: [{ role: "user", content }] },
  answer,
});

eachDialect("request body log", (context) => {
  test("writes on flush, scrubbed inside valid JSON, with tool calls; a request's objects are read only then", async () => {
    const { logger } = capturedLogger();
    const batches: number[] = [];
    const log = createRequestBodyLog({
      append: async (records) => {
        batches.push(records.length);
        await context.store.requestBodies.append(records);
      },
      scrub,
      maxChars: 10_000,
      logger,
      flushIntervalMs: 60_000,
      maxBatch: 2,
    });
    // A query-string token ending in a backslash before a quote: scrubbing the JSON text would eat the escape.
    const tricky = `key ${SECRET}, sk-abcdefghijklmnopqrstuv and https://x.test/?token=ab\\"c`;
    const first = exchange(tricky, { text: `echo ${SECRET}`, toolCalls: [{ id: "c1", type: "function", function: { name: "f", arguments: `{"k":"${SECRET}"}` } }] });
    first.request.messages.push({ role: "user", content: "see", images: [{ mediaType: "image/png", data: "A".repeat(5000) }] });
    log.record(first);
    const second = exchange("two");
    log.record(second);
    log.record(exchange("three"));
    assert.equal(await context.store.requestBodies.find(first.requestId), undefined, "nothing is written before a flush");
    // Serialized at the write, not at record(): a change made before the flush is what gets stored.
    second.request.messages.push({ role: "assistant", content: "added later" });
    await log.flush();
    assert.deepEqual(batches, [2, 1], "maxBatch records per transaction");

    const stored = await context.store.requestBodies.find(first.requestId);
    assert.ok(stored);
    const request = JSON.parse(stored.request) as { model: string; messages: Array<{ content: string; images?: Array<{ mediaType: string; data: string }> }> };
    assert.equal(request.model, "auto");
    assert.equal(request.messages[0]?.content, "key [redacted], sk-[redacted] and https://x.test/?token=[redacted]\"c");
    assert.deepEqual(request.messages[1]?.images, [{ mediaType: "image/png", data: "[omitted: 5000 base64 characters]" }]);
    assert.equal(stored.answer, "echo [redacted]");
    assert.deepEqual(JSON.parse(stored.toolCalls ?? "null"), [{ id: "c1", type: "function", function: { name: "f", arguments: '{"k":"[redacted]"}' } }]);
    assert.equal(stored.truncated, false);
    assert.equal(stored.createdAt, Date.UTC(2025, 0, 1));
    const later = JSON.parse((await context.store.requestBodies.find(second.requestId))?.request ?? "{}") as { messages: unknown[] };
    assert.equal(later.messages.length, 2);
    await log.close();
  });

  test("maxChars cuts the request, the answer and tool call arguments, never through a surrogate pair", async () => {
    const { logger } = capturedLogger();
    const log = createRequestBodyLog({ append: (records) => context.store.requestBodies.append(records), scrub, maxChars: 300, logger, flushIntervalMs: 60_000 });
    const long = exchange("x".repeat(1000), { text: `${"a".repeat(299)}😀tail`, toolCalls: [] });
    const argsOnly = exchange("short", { text: "short", toolCalls: [{ id: "c", type: "function", function: { name: "f", arguments: "y".repeat(400) } }] });
    const whole = exchange("short", { text: "a".repeat(300), toolCalls: [] });
    for (const e of [long, argsOnly, whole]) log.record(e);
    await log.close();

    const cut = await context.store.requestBodies.find(long.requestId);
    assert.ok(cut);
    assert.equal(cut.truncated, true);
    assert.equal(cut.request.length, 300);
    assert.ok(cut.request.startsWith('{"model":"auto","messages":[{"role":"user","content":"xxx'));
    assert.equal(cut.answer, "a".repeat(299), "the emoji's first half is not kept alone");
    const args = await context.store.requestBodies.find(argsOnly.requestId);
    assert.equal(args?.truncated, true);
    assert.equal((JSON.parse(args?.toolCalls ?? "[]") as Array<{ function: { arguments: string } }>)[0]?.function.arguments.length, 300);
    const exact = await context.store.requestBodies.find(whole.requestId);
    assert.deepEqual([exact?.truncated, exact?.answer.length], [false, 300], "exactly maxChars is whole");
  });

  test("a failing store: that flush's bodies are dropped with a warning, never thrown; later ones are written", async () => {
    const { lines, logger } = capturedLogger();
    let failing = true;
    const log = createRequestBodyLog({
      append: (records: readonly RequestBodyRecord[]) => (failing ? Promise.reject(new Error("store down")) : context.store.requestBodies.append(records)),
      scrub,
      maxChars: 1000,
      logger,
      flushIntervalMs: 60_000,
    });
    const lost = exchange("lost");
    log.record(lost);
    log.record(exchange("lost too"));
    await log.flush();
    assert.equal(log.dropped, 2);
    const warning = lines.find((line) => line.msg === "request body log: writing failed; the bodies were dropped");
    assert.equal(warning?.droppedBodies, 2);
    assert.equal(warning?.level, 40, "a warning");
    failing = false;
    const kept = exchange("kept");
    log.record(kept);
    await log.flush();
    assert.equal(await context.store.requestBodies.find(lost.requestId), undefined, "a dropped body is not retried");
    assert.ok(await context.store.requestBodies.find(kept.requestId));
    await log.close();
    log.record(exchange("after close"));
    assert.equal(log.dropped, 3);
  });

  test("beyond maxBuffered waiting exchanges new ones are dropped, and the next flush says how many", async () => {
    const { lines, logger } = capturedLogger();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const log = createRequestBodyLog({
      // The first write hangs (a slow store) while requests go on recording.
      append: async (records) => {
        await held;
        await context.store.requestBodies.append(records);
      },
      scrub,
      maxChars: 1000,
      logger,
      flushIntervalMs: 60_000,
      flushSize: 1,
      maxBuffered: 5,
    });
    const all = Array.from({ length: 9 }, (_, i) => exchange(`n${i}`));
    for (const e of all) log.record(e);
    assert.equal(log.dropped, 3, "one in the hanging write, five waiting, three dropped");
    release();
    await log.flush();
    assert.equal(lines.find((line) => line.msg === "request body log: buffer full; bodies were dropped")?.droppedBodies, 3);
    assert.ok(await context.store.requestBodies.find(all[5]?.requestId ?? ""));
    assert.equal(await context.store.requestBodies.find(all[6]?.requestId ?? ""), undefined);
    await log.close();
  });
});
