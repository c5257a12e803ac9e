import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLocalEngine, notConfiguredReason, type LocalEngine } from "../../../src/engines/local/createLocalEngine.js";
import { isGatewayError } from "../../../src/errors.js";
import { storyRequest, tinyModelConfig, tinyModelPath } from "./localTestEngine.js";

let scratch: string;
before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "switchyard-local-"));
});
after(() => rm(scratch, { recursive: true, force: true }));

async function drain(engine: LocalEngine, signal = new AbortController().signal): Promise<number> {
  let count = 0;
  for await (const _ of engine.stream(storyRequest({ maxTokens: 8 }), { signal })) count++;
  return count;
}

function assertUnavailable(engine: LocalEngine, reason: RegExp | string): Promise<void> {
  const status = engine.status();
  assert.equal(status.usable, false);
  if (typeof reason === "string") assert.equal(status.reason, reason);
  else assert.match(status.reason ?? "", reason);
  return assert.rejects(drain(engine), (error: unknown) => {
    assert.ok(isGatewayError(error), String(error));
    assert.equal(error.code, "engine_unavailable");
    assert.equal(error.message, status.reason);
    return true;
  });
}

test("an empty model is reported as not configured", async () => {
  const engine = createLocalEngine(tinyModelConfig({ model: "" }));
  try {
    const status = await engine.whenLoaded();
    assert.deepEqual(status, { usable: false, reason: notConfiguredReason, inFlight: 0, queued: 0 });
    await assertUnavailable(engine, notConfiguredReason);
  } finally {
    await engine.close();
  }
});

test("a missing model file is reported with its resolved path", async () => {
  const missing = path.join(scratch, "nope", "missing.gguf");
  const engine = createLocalEngine(tinyModelConfig({ model: missing }));
  try {
    await engine.whenLoaded();
    await assertUnavailable(engine, /model file not found: /);
    assert.ok(engine.status().reason?.endsWith(missing), engine.status().reason);
  } finally {
    await engine.close();
  }
});

test("a file that is not GGUF is reported as such", async () => {
  const notGguf = path.join(scratch, "notes.gguf");
  await writeFile(notGguf, "these are not weights\n");
  const engine = createLocalEngine(tinyModelConfig({ model: notGguf }));
  try {
    await engine.whenLoaded();
    await assertUnavailable(engine, /not a GGUF model file/);
    assert.ok(engine.status().reason?.includes(notGguf));
  } finally {
    await engine.close();
  }
});

test("while loading it says so, and a request waits for the load", async () => {
  const engine = createLocalEngine(tinyModelConfig());
  try {
    const status = engine.status();
    assert.equal(status.usable, false);
    assert.match(status.reason ?? "", /^loading model /);
    assert.ok((await drain(engine)) > 0, "the waiting request was served once loaded");
    assert.equal(engine.status().usable, true);
  } finally {
    await engine.close();
  }
});

test("a request waiting for the load leaves when its signal aborts", async () => {
  const engine = createLocalEngine(tinyModelConfig());
  try {
    const controller = new AbortController();
    const waiting = engine.stream(storyRequest(), { signal: controller.signal })[Symbol.asyncIterator]().next();
    assert.equal(engine.status().queued, 1);
    controller.abort();
    await assert.rejects(waiting, (error: Error) => error.name === "AbortError");
    assert.equal(engine.status().queued, 0);
  } finally {
    await engine.close();
  }
});

test("close() during the load leaves the engine closed", async () => {
  const engine = createLocalEngine(tinyModelConfig());
  await engine.close();
  const status = await engine.whenLoaded();
  assert.equal(status.usable, false);
  assert.match(status.reason ?? "", /closed/);
  await assertUnavailable(engine, /closed/);
});

test("an hf: model already in modelsDir is used without downloading", async () => {
  const modelsDir = path.join(scratch, "models");
  await mkdir(modelsDir);
  // node-llama-cpp's file name for hf:<user>/<repo>/<file>
  await copyFile(tinyModelPath, path.join(modelsDir, "hf_switchyard-test_tiny_stories260K.gguf"));
  const engine = createLocalEngine(
    tinyModelConfig({ model: "hf:switchyard-test/tiny/stories260K.gguf", modelsDir }),
    { loadTimeoutMs: 20_000 },
  );
  try {
    const status = await engine.whenLoaded();
    assert.equal(status.usable, true, status.reason);
    assert.ok((await drain(engine)) > 0);
  } finally {
    await engine.close();
  }
});

test("an hf: model that cannot be downloaded is unavailable with a clear reason", async () => {
  // No model hub is reachable here (and this repository does not exist): the download fails or times out.
  const modelsDir = path.join(scratch, "empty-models");
  const engine = createLocalEngine(tinyModelConfig({ model: "hf:switchyard-test/does-not-exist:Q4_K_M", modelsDir }), {
    loadTimeoutMs: 15_000,
  });
  try {
    await engine.whenLoaded();
    await assertUnavailable(engine, /hf:switchyard-test\/does-not-exist:Q4_K_M/);
    assert.match(engine.status().reason ?? "", /cannot (load|download) model|timed out/);
  } finally {
    await engine.close();
  }
});

test("stream() on an unusable engine does not count as queued or in flight", async () => {
  const engine = createLocalEngine(tinyModelConfig({ model: "" }));
  await assert.rejects(drain(engine));
  assert.deepEqual({ ...engine.status(), reason: undefined }, { usable: false, reason: undefined, inFlight: 0, queued: 0 });
  await engine.close();
});
