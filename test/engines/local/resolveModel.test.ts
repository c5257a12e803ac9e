import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { isRemoteModel, offlineFileName, resolveModel } from "../../../src/engines/local/resolveModel.js";
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
  // Placed by hand under the file's own name, as the offline advice says.
  await copyFile(tinyModelPath, path.join(modelsDir, "stories-by-hand.gguf"));
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

test("an hf: model that is not there and cannot be fetched fails with the URI and directory, and says what to place", async () => {
  // An endpoint that refuses at once stands for a machine without a route to the hub.
  const saved = process.env.HF_ENDPOINT;
  process.env.HF_ENDPOINT = "http://127.0.0.1:1";
  try {
    const signal = AbortSignal.timeout(20_000);
    await assert.rejects(resolveModel("hf:switchyard-test/missing/model.gguf", { modelsDir, signal }), (error: Error) => {
      assert.ok(error.message.startsWith(`cannot download model hf:switchyard-test/missing/model.gguf into ${modelsDir}: cannot reach http://127.0.0.1:1`), error.message);
      assert.ok(error.message.endsWith(`; to start without the download, place model.gguf in ${modelsDir}`), error.message);
      return true;
    });
    await assert.rejects(resolveModel("hf:switchyard-test/missing:Q4_K_M", { modelsDir, signal }), {
      message: /; to start without the download, set model to the path of a local \.gguf file$/,
    });
  } finally {
    if (saved === undefined) delete process.env.HF_ENDPOINT;
    else process.env.HF_ENDPOINT = saved;
  }
});

test("an hf: file URI whose file was placed in modelsDir under its own name resolves there without the network", async () => {
  assert.equal(await resolveModel("hf:nobody/elsewhere/stories-by-hand.gguf", options()), path.join(modelsDir, "stories-by-hand.gguf"));
});

test("the file name an offline start looks for: the reference's own, when it names one", () => {
  assert.equal(offlineFileName("hf:user/repo/model.Q4_K_M.gguf"), "model.Q4_K_M.gguf");
  assert.equal(offlineFileName("hf:user/repo/sub/dir/model.gguf#main"), "model.gguf");
  assert.equal(offlineFileName("https://example.com/models/model.gguf?download=true"), "model.gguf");
  assert.equal(offlineFileName("hf:user/repo:Q4_K_M"), undefined);
  assert.equal(offlineFileName("hf:user/model.gguf"), undefined, "user/repo with no file");
  assert.equal(offlineFileName("https://example.com/model.gguf"), "model.gguf");
});
