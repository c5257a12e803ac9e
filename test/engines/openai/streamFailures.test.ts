import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import type { StreamPart } from "../../../src/engines/spec.js";
import { GatewayError } from "../../../src/errors.js";
import type { MockScript } from "../../support/mockUpstream.js";
import { helloRequest, startOpenAIEngineFixture, type OpenAIEngineFixture } from "./openAIEngineFixture.js";

// One upstream and engine for the file: every case here is about how one response ends.
let fixture: OpenAIEngineFixture;
before(async () => {
  fixture = await startOpenAIEngineFixture();
});
beforeEach(() => fixture.mock.reset());
after(() => fixture.close());

interface Outcome {
  parts: StreamPart[];
  thrown: unknown;
}

async function run(script: MockScript): Promise<Outcome> {
  fixture.mock.script = () => script;
  const parts: StreamPart[] = [];
  let thrown: unknown;
  try {
    for await (const part of fixture.engine.stream(helloRequest, { signal: new AbortController().signal })) parts.push(part);
  } catch (error) {
    thrown = error;
  }
  assert.equal(fixture.engine.status().inFlight, 0, "nothing left running");
  return { parts, thrown };
}

function assertThrownBeforeOutput({ parts, thrown }: Outcome, message: string): void {
  assert.deepEqual(parts, [], "no part before the error");
  assert.ok(thrown instanceof GatewayError, `a GatewayError, got ${String(thrown)}`);
  assert.equal(thrown.code, "upstream_error");
  assert.equal(thrown.message, message);
  assert.equal(thrown.retryable, true, "nothing reached the client, so another attempt may succeed");
}

function assertErrorPartAfter({ parts, thrown }: Outcome, texts: string[], message: string): void {
  assert.equal(thrown, undefined, "reported in-band, not thrown");
  assert.deepEqual(
    parts.slice(0, -1),
    texts.map((text) => ({ type: "text-delta", text })),
  );
  const last = parts.at(-1);
  assert.ok(last?.type === "error", `an error part last, got ${JSON.stringify(last)}`);
  assert.ok(last.error instanceof GatewayError);
  assert.equal(last.error.code, "upstream_error");
  assert.equal(last.error.message, message);
  assert.equal(last.error.retryable, false, "output has started: never retried");
}

const malformed = "upstream sent a malformed chunk";
const unfinished = "upstream ended the stream without a finish reason";
const chunk = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
const finishChunk = chunk({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });

test("a malformed chunk before any output is thrown as a retryable upstream_error", async () => {
  assertThrownBeforeOutput(await run({ chunks: ["one ", "two"], malformedAfterChunks: 0 }), malformed);
});

test("a malformed chunk after output ends the stream with an error part, though finish and [DONE] follow", async () => {
  const outcome = await run({ chunks: ["one ", "two ", "three"], malformedAfterChunks: 2 });
  assertErrorPartAfter(outcome, ["one ", "two "], malformed);
});

for (const payload of ["[1,2]", '"text"', "42", "null", '{"id":"chatcmpl-1"}', '{"choices":[null]}', '{"choices":"none","usage":null}']) {
  test(`JSON that is not a chunk (${payload}) is malformed, not skipped`, async () => {
    const outcome = await run({ rawBody: [`data: ${payload}\n\n`, chunk({ choices: [{ index: 0, delta: { content: "hi" }, finish_reason: "stop" }] }), "data: [DONE]\n\n"] });
    assertThrownBeforeOutput(outcome, malformed);
  });
}

test("usage-only and empty-choices chunks are not malformed", async () => {
  const { parts, thrown } = await run({
    rawBody: [
      chunk({ choices: [{ index: 0, delta: { content: "hi" }, finish_reason: null }] }),
      finishChunk,
      chunk({ choices: [], usage: { prompt_tokens: 2, completion_tokens: 1 } }),
      chunk({ usage: { prompt_tokens: 2, completion_tokens: 1 } }),
      "data: [DONE]\n\n",
    ],
  });
  assert.equal(thrown, undefined);
  assert.deepEqual(parts.map((part) => part.type), ["text-delta", "finish", "usage"]);
});

test("[DONE] without any finish_reason after output ends with an error part", async () => {
  assertErrorPartAfter(await run({ chunks: ["Hel", "lo"], omitFinishReason: true }), ["Hel", "lo"], unfinished);
});

test("[DONE] without any finish_reason or output is thrown as a retryable upstream_error", async () => {
  assertThrownBeforeOutput(await run({ chunks: [], omitFinishReason: true }), unfinished);
});

test("a body that ends cleanly without finish_reason or [DONE] is not a success", async () => {
  const outcome = await run({ rawBody: [chunk({ choices: [{ index: 0, delta: { content: "partial" }, finish_reason: null }] })] });
  assertErrorPartAfter(outcome, ["partial"], unfinished);
});

test("a connection cut after finish_reason but before [DONE] still completes, usage included", async () => {
  const { parts, thrown } = await run({ chunks: ["a", "b"], usage: { prompt_tokens: 3, completion_tokens: 2 }, dropAfterFinish: true });
  assert.equal(thrown, undefined);
  assert.deepEqual(parts, [
    { type: "text-delta", text: "a" },
    { type: "text-delta", text: "b" },
    { type: "finish", reason: "stop" },
    { type: "usage", usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 } },
  ]);
});

test("a connection cut before finish_reason is thrown: retryable before output, not after", async () => {
  const early = await run({ dropAfterChunks: 0 });
  assertThrownBeforeOutput(early, "upstream closed the stream before it finished");

  const late = await run({ chunks: ["a", "b", "c"], dropAfterChunks: 2 });
  assert.equal(late.parts.length, 2);
  assert.ok(late.thrown instanceof GatewayError);
  assert.equal(late.thrown.code, "upstream_error");
  assert.equal(late.thrown.retryable, false);
});

test("a cut after all text but before finish_reason is not a success", async () => {
  const { parts, thrown } = await run({ chunks: ["a", "b"], omitFinishReason: true, dropAfterFinish: true });
  assert.equal(parts.length, 2);
  assert.ok(thrown instanceof GatewayError);
  assert.equal(thrown.message, "upstream closed the stream before it finished");
  assert.equal(thrown.retryable, false);
});

test("an in-band error before any output is thrown as retryable", async () => {
  assertThrownBeforeOutput(await run({ midStreamError: { afterChunks: 0, message: "overloaded, try again" } }), "overloaded, try again");
});

test("a JSON completion without finish_reason is a retryable upstream_error", async () => {
  const { parts, thrown } = await run({ ignoreStream: true, omitFinishReason: true });
  assert.deepEqual(parts, []);
  assert.ok(thrown instanceof GatewayError);
  assert.equal(thrown.code, "upstream_error");
  assert.equal(thrown.message, "upstream answered without a finish reason");
  assert.equal(thrown.retryable, true);
});
