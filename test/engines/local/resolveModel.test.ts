import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { isRemoteModel, resolveModel } from "../../../src/engines/local/resolveModel.js";
import { tinyModelPath } from "./localTestEngine.js";

let scratch: string;
let modelsDir: string;
before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "switchyard-resolve-"));
  modelsDir = path.join(scratch, "models");
  await mkdir(modelsDir);
  // The file names node-llama-cpp gives hf: downloads: hf_<user>_<repo>_<file> and hf_<user>_<repo>_<repo>.<QUANT>.gguf
  await copyFile(tinyModelPath, path.join(modelsDir, "hf_someone_tinystories_stories260K.gguf"));
  await copyFile(tinyModelPath, path.join(modelsDir, "hf_someone_tinystories_tinystories.Q8_0.gguf"));
});
after(() => rm(scratch, { recursive: true, force: true }));

const options = () => ({ modelsDir, signal: new AbortController().signal });

test("hf: URIs and URLs are remote; paths are not", () => {
  assert.ok(isRemoteModel("hf:user/repo:Q4_K_M"));
  assert.ok(isRemoteModel("hf:user/repo/file.gguf"));
  assert.ok(isRemoteModel("https://example.com/model.gguf"));
  assert.ok(!isRemoteModel("./models/model.gguf"));
  assert.ok(!isRemoteModel("/abs/model.gguf"));
  assert.ok(!isRemoteModel("hf_user_repo_file.gguf"));
});

test("a relative path resolves against the working directory", async () => {
  const relative = path.relative(process.cwd(), tinyModelPath);
  assert.ok(!path.isAbsolute(relative));
  assert.equal(await resolveModel(relative, options()), tinyModelPath);
});

test("an absolute path resolves to itself", async () => {
  assert.equal(await resolveModel(tinyModelPath, options()), tinyModelPath);
});

test("a missing file is an error naming the absolute path", async () => {
  await assert.rejects(resolveModel("no/such/model.gguf", options()), {
    message: `model file not found: ${path.resolve("no/such/model.gguf")}`,
  });
});

test("a directory is not a model", async () => {
  await assert.rejects(resolveModel(modelsDir, options()), /not a GGUF model file \(a directory\)/);
});

test("an hf: file URI already in modelsDir resolves there without the network", async () => {
  assert.equal(
    await resolveModel("hf:someone/tinystories/stories260K.gguf", options()),
    path.join(modelsDir, "hf_someone_tinystories_stories260K.gguf"),
  );
});

test("an hf: quantisation URI already in modelsDir resolves there without the network", async () => {
  assert.equal(
    await resolveModel("hf:someone/tinystories:Q8_0", options()),
    path.join(modelsDir, "hf_someone_tinystories_tinystories.Q8_0.gguf"),
  );
});

test("an hf: model that is not there and cannot be fetched fails with the URI and directory", async () => {
  // No model hub is reachable from this machine; the signal bounds the attempt should one be.
  const signal = AbortSignal.timeout(20_000);
  await assert.rejects(
    resolveModel("hf:switchyard-test/missing/model.gguf", { modelsDir, signal }),
    (error: Error) =>
      error.name === "AbortError" ||
      error.message.startsWith(`cannot download model hf:switchyard-test/missing/model.gguf into ${modelsDir}: `),
  );
});
