/**
 * The README's examples, run: every fenced block marked `runnable` (```sh runnable, ```ts runnable) is executed
 * against a real gateway on a mock upstream, from a scratch directory holding the `switchyard.yaml` the examples
 * name and a package whose `cli` script is this checkout's CLI, so `npm run cli -- …` runs through npm as in a
 * clone. The gateway's address replaces the examples' 127.0.0.1:8080. The webhook receiver's check is tested
 * against what the gateway signs.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { signWebhook } from "../../src/webhooks/signWebhook.js";

// dist/test/docs → the repository root.
const root = fileURLToPath(new URL("../../../", import.meta.url));
const answer = "README-example-answer";

interface Block {
  language: string;
  code: string;
  line: number;
}

function fencedBlocks(markdown: string): Array<Block & { info: string }> {
  const blocks: Array<Block & { info: string }> = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^```(\S+)(.*)$/.exec(lines[i] ?? "");
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i += 1; i < lines.length && lines[i] !== "```"; i += 1) body.push(lines[i] ?? "");
    blocks.push({ language: open[1] ?? "", info: (open[2] ?? "").trim(), code: body.join("\n"), line: start + 1 });
  }
  return blocks;
}

let readme: string;
let mock: MockUpstream;
let gateway: TestGateway;
let scratch: string;

before(async () => {
  readme = await readFile(join(root, "README.md"), "utf8");
  mock = await startMockUpstream();
  mock.script = () => ({ text: answer });
  gateway = await startGateway({ engines: [openAIEngine("mock", mock.url)] });
  scratch = await mkdtemp(join(tmpdir(), "switchyard-readme-"));
  await writeFile(
    join(scratch, "switchyard.yaml"),
    [
      `store: { url: "sqlite:${join(scratch, "switchyard.db")}" }`,
      "engines:",
      `  - { name: mock, type: openai, baseUrl: "${mock.url}", models: [mock-model] }`,
      "",
    ].join("\n"),
  );
  const manifest = { name: "readme-examples", private: true, type: "module", scripts: { cli: `node ${join(root, "dist/src/cli.js")}` } };
  await writeFile(join(scratch, "package.json"), JSON.stringify(manifest));
  // The TypeScript examples import the project's dependencies (openai) as a user's code would.
  await symlink(join(root, "node_modules"), join(scratch, "node_modules"), "dir");
});
after(async () => {
  await gateway.stop();
  await mock.close();
  await rm(scratch, { recursive: true, force: true });
});

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: scratch, timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr });
    });
  });
}

async function execute(block: Block, index: number): Promise<{ code: number; stdout: string; stderr: string }> {
  const code = block.code.replaceAll("http://127.0.0.1:8080", gateway.url);
  if (block.language === "sh") return run("bash", ["-euo", "pipefail", "-c", code]);
  if (block.language === "ts") {
    const file = join(scratch, `example-${index}.mts`);
    await writeFile(file, code);
    // Node 24 strips types itself; the flag lets Node 22 run the same file.
    const flags = process.versions.node.startsWith("22.") ? ["--experimental-strip-types", "--no-warnings"] : [];
    return run(process.execPath, [...flags, file]);
  }
  throw new Error(`README line ${block.line}: no runner for a runnable ${block.language} block`);
}

test("every runnable README block succeeds; those that chat print the engine's answer", async () => {
  const runnable = fencedBlocks(readme).filter((block) => block.info.split(/\s+/).includes("runnable"));
  assert.ok(runnable.length >= 4, `runnable blocks found: ${runnable.length}`);
  const languages = new Set(runnable.map((block) => block.language));
  assert.deepEqual([...languages].sort(), ["sh", "ts"]);
  for (const [index, block] of runnable.entries()) {
    const result = await execute(block, index);
    const where = `README line ${block.line}:\n${block.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
    assert.equal(result.code, 0, where);
    assert.ok(result.stdout.trim().length > 0, `prints nothing: ${where}`);
    if (/chat|completions|messages/.test(block.code)) assert.ok(result.stdout.includes(answer), `no answer from the engine: ${where}`);
  }
});

test("the CLI examples' output is what the README says it is", async () => {
  const checked = await run("npm", ["run", "-s", "cli", "--", "check-config", "--config", "switchyard.yaml"]);
  assert.equal(checked.code, 0, checked.stderr);
  assert.ok(checked.stdout.startsWith("configuration OK"), checked.stdout);
  const migrated = await run("npm", ["run", "-s", "cli", "--", "migrate", "--config", "switchyard.yaml"]);
  assert.equal(migrated.stdout, "migrations applied (sqlite)\n");
});

test("the README's webhook check accepts what the gateway signs, and refuses a changed body, a wrong secret or a stale stamp", async () => {
  const block = fencedBlocks(readme).find((candidate) => candidate.language === "ts" && candidate.code.includes("export function verifyWebhook"));
  assert.ok(block, "the webhook example is in the README");
  const file = join(scratch, "verify-webhook.mts");
  await writeFile(file, block.code);
  // Imported as TypeScript: Node strips the types (by default on 24).
  const { verifyWebhook } = (await import(pathToFileURL(file).href)) as { verifyWebhook: (secret: string, header: string, body: string, toleranceSec?: number) => boolean };
  const body = JSON.stringify({ id: "d1", event: "engine.breaker_open", createdAt: new Date().toISOString(), data: { engine: "vllm" } });
  const header = signWebhook("s3cret", body);
  assert.equal(verifyWebhook("s3cret", header, body), true);
  assert.equal(verifyWebhook("s3cret", header, `${body} `), false);
  assert.equal(verifyWebhook("other", header, body), false);
  assert.equal(verifyWebhook("s3cret", signWebhook("s3cret", body, Math.floor(Date.now() / 1000) - 3600), body), false);
  assert.equal(verifyWebhook("s3cret", `${header},v1=${"0".repeat(64)}`, body), true, "a second v1 (a rotation) does not hide the good one");
  assert.equal(verifyWebhook("s3cret", "garbage", body), false);
});
