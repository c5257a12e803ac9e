import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createLocalEngine, type LocalEngine } from "../../../src/engines/local/createLocalEngine.js";
import type { ChatRequest, StreamPart, Usage } from "../../../src/engines/spec.js";
import { isGatewayError } from "../../../src/errors.js";
import { storyRequest, tinyModelConfig } from "./localTestEngine.js";

let engine: LocalEngine;

before(async () => {
  engine = createLocalEngine(tinyModelConfig({ maxTokens: 24 }));
  const status = await engine.whenLoaded();
  assert.equal(status.usable, true, status.reason);
});

after(() => engine.close());

async function run(target: LocalEngine, request: ChatRequest): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of target.stream(request, { signal: new AbortController().signal })) parts.push(part);
  return parts;
}

function usageOf(parts: StreamPart[]): Usage {
  const part = parts.find((p) => p.type === "usage");
  assert.ok(part && part.type === "usage", "a usage part");
  return part.usage;
}

function finishOf(parts: StreamPart[]): string {
  const finishes = parts.filter((p) => p.type === "finish");
  assert.equal(finishes.length, 1);
  const [finish] = finishes;
  assert.ok(finish && finish.type === "finish");
  return finish.reason;
}

const textOf = (parts: StreamPart[]) => parts.map((p) => (p.type === "text-delta" ? p.text : "")).join("");

test("names itself and its model", () => {
  assert.equal(engine.name, "local");
  assert.equal(engine.type, "local");
  assert.deepEqual(engine.models, ["default"]);
  assert.deepEqual(engine.status(), { usable: true, inFlight: 0, queued: 0 });
});

test("streams text token by token, counts usage, and finishes with length at maxTokens", async () => {
  const parts = await run(engine, storyRequest({ maxTokens: 40 }));
  const deltas = parts.filter((p) => p.type === "text-delta");
  assert.ok(deltas.length >= 16, `at least 16 text deltas, got ${deltas.length}`);
  const usage = usageOf(parts);
  assert.ok(usage.outputTokens >= 16 && usage.outputTokens <= 40, `outputTokens ${usage.outputTokens}`);
  assert.ok(usage.inputTokens > 0);
  assert.equal(usage.totalTokens, usage.inputTokens + usage.outputTokens);
  assert.equal(finishOf(parts), "length");
  // usage, then finish, close the stream
  assert.deepEqual(parts.slice(-2).map((p) => p.type), ["usage", "finish"]);
});

test("the engine's maxTokens applies when the request has none", async () => {
  const parts = await run(engine, storyRequest({ maxTokens: undefined }));
  assert.equal(finishOf(parts), "length");
  assert.ok(usageOf(parts).outputTokens <= 24);
});

test("a stop sequence ends the text before it, with finish stop", async () => {
  const parts = await run(engine, storyRequest({ stop: [" "], maxTokens: 48 }));
  assert.equal(finishOf(parts), "stop");
  assert.ok(!textOf(parts).includes(" "), JSON.stringify(textOf(parts)));
});

test("the same seed gives the same text", async () => {
  const first = textOf(await run(engine, storyRequest({ seed: 11 })));
  const second = textOf(await run(engine, storyRequest({ seed: 11 })));
  assert.ok(first.length > 0);
  assert.equal(second, first);
});

test("a consumer that stops reading early frees its slot", async () => {
  for await (const part of engine.stream(storyRequest({ maxTokens: 200 }), { signal: new AbortController().signal })) {
    assert.equal(part.type, "text-delta");
    break;
  }
  assert.deepEqual(engine.status(), { usable: true, inFlight: 0, queued: 0 });
});

test("tools are rejected as an invalid request", async () => {
  const request = storyRequest({ tools: [{ type: "function", function: { name: "lookup" } }] });
  await assert.rejects(run(engine, request), (error: unknown) => {
    assert.ok(isGatewayError(error));
    assert.equal(error.code, "invalid_request");
    assert.equal(error.param, "tools");
    assert.equal(error.message, "engine local does not support tools");
    return true;
  });
});

test("a follow-up turn reuses the evaluated prefix of its conversation, even after an unrelated request", async () => {
  const fresh = createLocalEngine(tinyModelConfig({ maxConcurrency: 2 }));
  try {
    await fresh.whenLoaded();
    const opening = storyRequest({ maxTokens: 24 });
    const firstParts = await run(fresh, opening);
    const first = usageOf(firstParts);
    assert.equal(first.cachedInputTokens, 0, "nothing evaluated yet");
    // Takes the other (empty) sequence rather than evicting the conversation.
    await run(fresh, storyRequest({ messages: [{ role: "user", content: "A dog" }] }));
    const followUp = storyRequest({
      maxTokens: 24,
      messages: [
        ...opening.messages,
        { role: "assistant", content: textOf(firstParts) },
        { role: "user", content: "Then the cat" },
      ],
    });
    const second = usageOf(await run(fresh, followUp));
    assert.ok(second.inputTokens > first.inputTokens);
    assert.ok((second.cachedInputTokens ?? 0) >= first.inputTokens - 1, `cached ${second.cachedInputTokens} of ${second.inputTokens}`);
  } finally {
    await fresh.close();
  }
});
