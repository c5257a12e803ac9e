/**
 * The reload status in `GET /api/v2/admin/engines`: `startedAt`, and `lastReload` — null before any reload, then
 * the engines added, removed and kept by an applied one, or `ok: false` with the (scrubbed) error of a rejected
 * one, the running engines unchanged. In process through RunningServer, and for real through SIGHUP on the CLI.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { configSchema } from "../../src/config/schema.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { openAIEngine, startGateway } from "../support/startGateway.js";
import { spawnServer } from "../support/spawnServer.js";
import { jsonOf } from "../support/apiTypes.js";

interface EnginesBody {
  engines: Array<{ name: string }>;
  startedAt: string;
  lastReload: { at: string; ok: boolean; added: string[]; removed: string[]; kept: string[]; error?: string } | null;
}

const ADMIN_KEY = "sy-reload-status-admin-key-0123456789abcdef";
const enginesOf = (url: string, token?: string) =>
  jsonOf<EnginesBody>(fetch(`${url}/api/v2/admin/engines`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }));

let one: MockUpstream;
let two: MockUpstream;
let dir: string;

before(async () => {
  one = await startMockUpstream();
  two = await startMockUpstream();
  dir = await mkdtemp(join(tmpdir(), "switchyard-reload-status-"));
});
after(async () => {
  await one.close();
  await two.close();
  await rm(dir, { recursive: true, force: true });
});

test("in process: null before any reload; an applied reload's changes; a rejected one's error, engines kept", async () => {
  const startedBefore = Date.now();
  const gateway = await startGateway({ engines: [openAIEngine("one", one.url), openAIEngine("keep", one.url)], auth: { mode: "keys", adminKey: ADMIN_KEY } });
  try {
    const fresh = await enginesOf(gateway.url, ADMIN_KEY);
    assert.equal(fresh.lastReload, null);
    const startedAt = Date.parse(fresh.startedAt);
    assert.ok(startedAt >= startedBefore - 1000 && startedAt <= Date.now(), fresh.startedAt);
    assert.equal(new Date(startedAt).toISOString(), fresh.startedAt, "an ISO time");

    const reloadedAt = Date.now();
    gateway.reload(configSchema.parse({ ...gateway.config, engines: [openAIEngine("keep", one.url), openAIEngine("two", two.url)] }));
    const applied = await enginesOf(gateway.url, ADMIN_KEY);
    assert.ok(applied.lastReload);
    assert.deepEqual({ ...applied.lastReload, at: undefined }, { at: undefined, ok: true, added: ["two"], removed: ["one"], kept: ["keep"] });
    assert.ok(Date.parse(applied.lastReload.at) >= reloadedAt);
    assert.equal(applied.startedAt, fresh.startedAt, "a reload is not a start");

    // What cli.ts does with a file it cannot take. The YAML parser quotes the bad line, secret and all: the error
    // comes back scrubbed.
    const bad = join(dir, "bad.yaml");
    await writeFile(bad, `auth: { mode: keys, adminKey: ${ADMIN_KEY} } }\n`);
    try {
      loadConfig({ path: bad, env: {} });
      assert.fail("the file is invalid");
    } catch (error) {
      gateway.reloadFailed(error);
    }
    const rejected = await enginesOf(gateway.url, ADMIN_KEY);
    assert.equal(rejected.lastReload?.ok, false);
    assert.deepEqual([rejected.lastReload?.added, rejected.lastReload?.removed, rejected.lastReload?.kept], [[], [], []]);
    assert.match(rejected.lastReload?.error ?? "", /is not valid YAML: .*\badminKey: \[redacted\]/s);
    assert.ok(!JSON.stringify(rejected).includes(ADMIN_KEY));
    assert.deepEqual(rejected.engines.map((engine) => engine.name), ["keep", "two"], "the running engines stay");
  } finally {
    await gateway.stop();
  }
});

test("through SIGHUP: a rejected file, then an applied one", async () => {
  const config = (engines: Array<Record<string, unknown>>) => ({
    server: { host: "127.0.0.1", port: 0, drainTimeoutMs: 2000 },
    store: { url: "sqlite:./data/switchyard.db" },
    auth: { mode: "none" },
    engines,
  });
  const server = await spawnServer(dir, config([openAIEngine("one", one.url)]));
  try {
    assert.equal((await enginesOf(server.url)).lastReload, null);

    await writeFile(join(dir, "switchyard.yaml"), "engines: [{ name: broken, type: openai }]\n");
    const rejectedLog = server.waitForLog(/reload rejected/);
    server.child.kill("SIGHUP");
    await rejectedLog;
    const rejected = await enginesOf(server.url);
    assert.equal(rejected.lastReload?.ok, false);
    assert.match(rejected.lastReload?.error ?? "", /engines\[0\]/);
    assert.deepEqual(rejected.engines.map((engine) => engine.name), ["one"]);

    await writeFile(join(dir, "switchyard.yaml"), stringify(config([openAIEngine("two", two.url)])));
    const appliedLog = server.waitForLog("engines and routes reloaded");
    server.child.kill("SIGHUP");
    await appliedLog;
    const applied = await enginesOf(server.url);
    assert.deepEqual({ ...applied.lastReload, at: undefined }, { at: undefined, ok: true, added: ["two"], removed: ["one"], kept: [] });
  } finally {
    server.child.kill("SIGTERM");
    assert.equal(await server.exited, 0);
  }
});
