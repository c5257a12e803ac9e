/**
 * SIGHUP reloads engines and routes without dropping in-flight streams; a bad file is rejected and the running
 * configuration kept.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { spawnServer } from "../support/spawnServer.js";
import { parseSse, postJson, readSseUntil } from "../support/readSse.js";
import { jsonOf } from "../support/apiTypes.js";

let one: MockUpstream;
let two: MockUpstream;
let dir: string;

before(async () => {
  one = await startMockUpstream();
  two = await startMockUpstream();
  dir = await mkdtemp(join(tmpdir(), "switchyard-reload-"));
});
after(async () => {
  await one.close();
  await two.close();
  await rm(dir, { recursive: true, force: true });
});

const config = (engines: Array<Record<string, unknown>>) => ({
  server: { host: "127.0.0.1", port: 0, drainTimeoutMs: 5000 },
  store: { url: "sqlite:./data/switchyard.db" },
  engines,
});

const completion = async (url: string, model: string) => {
  const response = await postJson(`${url}/v1/chat/completions`, { model, messages: [{ role: "user", content: "hi" }] });
  return { status: response.status, body: await jsonOf<{ model?: string; choices?: Array<{ message: { content: string } }> }>(response) };
};

test("SIGHUP swaps engines while a stream runs; a bad file changes nothing", async () => {
  one.script = () => ({ chunks: Array.from({ length: 30 }, (_, i) => `o${i} `), chunkDelayMs: 20 });
  two.script = () => ({ text: "from two" });
  const server = await spawnServer(dir, config([{ name: "one", type: "openai", baseUrl: one.url, models: ["m"] }]));
  try {
    const response = await postJson(`${server.url}/v1/chat/completions`, { model: "one/m", stream: true, messages: [{ role: "user", content: "long" }] });
    const { reader } = await readSseUntil(response, (e) => e.data.includes("o0 "));

    await writeFile(join(dir, "switchyard.yaml"), stringify(config([{ name: "two", type: "openai", baseUrl: two.url, models: ["m"] }])));
    const reloaded = server.waitForLog("engines and routes reloaded");
    server.child.kill("SIGHUP");
    const changes = await reloaded;
    assert.deepEqual([changes.added, changes.removed], [["two"], ["one"]]);

    const served = await completion(server.url, "auto");
    assert.equal(served.status, 200);
    assert.equal(served.body.model, "two/m");
    assert.equal((await completion(server.url, "one/m")).status, 404);

    let rest = "";
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += decoder.decode(value, { stream: true });
    }
    assert.equal(parseSse(rest).at(-1)?.data, "[DONE]", "the stream on the removed engine finished");
    assert.ok(rest.includes("o29 "));
    assert.equal(one.abortedStreams, 0);

    await writeFile(join(dir, "switchyard.yaml"), "engines: [{ name: broken, type: openai }]\n");
    const rejected = server.waitForLog(/reload rejected/);
    server.child.kill("SIGHUP");
    const entry = await rejected;
    assert.match(JSON.stringify(entry), /engines\[0\]/);
    assert.equal((await completion(server.url, "auto")).body.model, "two/m", "the running configuration is kept");
  } finally {
    server.child.kill("SIGTERM");
    assert.equal(await server.exited, 0);
  }
});

test("--watch reloads when the file changes", async () => {
  two.script = () => ({ text: "from two" });
  const server = await spawnServer(dir, config([{ name: "one", type: "openai", baseUrl: one.url, models: ["m"] }]), {}, ["--watch"]);
  try {
    const reloaded = server.waitForLog("engines and routes reloaded", 8000);
    await writeFile(join(dir, "switchyard.yaml"), stringify(config([{ name: "two", type: "openai", baseUrl: two.url, models: ["m"] }])));
    await reloaded;
    assert.equal((await completion(server.url, "auto")).body.model, "two/m");
  } finally {
    server.child.kill("SIGTERM");
    assert.equal(await server.exited, 0);
  }
});
