/**
 * `switchyard keys …` as a real process on the configuration's store, and the printed key used against a real
 * server (also a spawned process) on the same SQLite file.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { cliPath, spawnServer, type SpawnedServer } from "../support/spawnServer.js";

let mock: MockUpstream;
let dir: string;
let configPath: string;
let config: Record<string, unknown>;

before(async () => {
  mock = await startMockUpstream();
  dir = await mkdtemp(join(tmpdir(), "switchyard-keys-"));
  configPath = join(dir, "switchyard.yaml");
  config = {
    server: { host: "127.0.0.1", port: 0 },
    store: { url: "sqlite:./data/switchyard.db" },
    engines: [{ name: "vllm", type: "openai", baseUrl: mock.url, models: ["mock-model", "other-model"] }],
    auth: { mode: "keys" },
    rateLimits: { enabled: false },
    log: { level: "info" },
  };
  await writeFile(configPath, stringify(config));
});
after(async () => {
  await mock.close();
  await rm(dir, { recursive: true, force: true });
});

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runCli(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { cwd: dir, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

const keys = (...args: string[]) => runCli(["keys", ...args, "--config", configPath]);

async function stop(server: SpawnedServer): Promise<void> {
  server.child.kill("SIGTERM");
  assert.equal(await server.exited, 0);
}

test("keys create prints only the key; the key works against a server on the same store", async () => {
  const created = await keys("create", "--name", "ci", "--user", "cli-user", "--rpm", "30", "--models", "vllm/mock-model", "--expires", "2099-01-01T00:00:00Z");
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /^sy-[A-Za-z0-9_-]{43}\n$/, "stdout is the key and nothing else");
  assert.match(created.stderr, /created API key .* for user cli-user \(role user\)/);
  const key = created.stdout.trim();

  const server = await spawnServer(dir, config);
  try {
    const get = (token: string | undefined, path = "/api/v2/chat/sessions") =>
      fetch(`${server.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const chat = (token: string, model: string) =>
      fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "Hi" }] }),
      });
    assert.equal((await get(undefined)).status, 401);
    assert.equal((await get(key)).status, 200);
    assert.equal((await chat(key, "vllm/mock-model")).status, 200);
    assert.equal((await chat(key, "vllm/other-model")).status, 403, "--models limits the key");
    assert.equal((await get(key, "/api/v2/admin/keys")).status, 403);

    // While the server runs: an admin key made by the CLI works at once; a key revoked before its first use fails at once.
    const admin = (await keys("create", "--name", "ops", "--role", "admin", "--budget-usd", "25", "--budget-window", "month")).stdout.trim();
    const listing = await get(admin, "/api/v2/admin/keys");
    assert.equal(listing.status, 200);
    const listed = (await listing.json()) as { data: Array<{ id: string; name: string; rpm: number | null; budgetUsd: number | null }> };
    assert.equal(listed.data.find((row) => row.name === "ci")?.rpm, 30);
    assert.equal(listed.data.find((row) => row.name === "ops")?.budgetUsd, 25);

    const spare = (await keys("create", "--name", "spare")).stdout.trim();
    const json = JSON.parse((await keys("list", "--json")).stdout) as Array<{ id: string; name: string }>;
    const spareRow = json.find((row) => row.name === "spare");
    assert.ok(spareRow);
    const revoked = await keys("revoke", spareRow.id);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal((await get(spare)).status, 401);
  } finally {
    await stop(server);
  }
});

test("keys list shows keys without secrets, revoked ones marked", async () => {
  const created = (await keys("create", "--name", "listed")).stdout.trim();
  const json = JSON.parse((await keys("list", "--json")).stdout) as Array<{ id: string; name: string; prefix: string }>;
  const row = json.find((entry) => entry.name === "listed");
  assert.ok(row);
  assert.equal(row.prefix, created.slice(0, 10));
  assert.equal((await keys("revoke", row.id)).code, 0);

  const table = await keys("list");
  assert.equal(table.code, 0);
  assert.match(table.stdout, /^ID\s+PREFIX\s+NAME\s+USER\s+ROLE\s+STATUS/);
  const line = table.stdout.split("\n").find((text) => text.startsWith(row.id));
  assert.match(line ?? "", /\brevoked\b/);
  assert.ok(!table.stdout.includes(created), "the key itself is never listed");
});

test("bad input: a message on stderr, nothing on stdout, a non-zero exit", async () => {
  const cases: Array<[string[], number, RegExp]> = [
    [["create"], 2, /--name/],
    [["create", "--name", "x", "--role", "root"], 2, /role must be one of: user, admin \(--role\)/],
    [["create", "--name", "x", "--budget-usd", "5"], 2, /go together/],
    [["create", "--name", "x", "--rpm", "lots"], 2, /--rpm/],
    [["create", "--name", "x", "--expires", "2001-01-01"], 2, /future/],
    [["create", "--name", "x", "--colour", "red"], 2, /colour/],
    [["revoke"], 2, /key id/],
    [["revoke", "no-such-key"], 1, /no active API key/],
    [["rotate"], 2, /unknown keys command/],
  ];
  for (const [args, code, message] of cases) {
    const result = await keys(...args);
    assert.equal(result.code, code, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(" "));
    assert.equal(result.stdout, "", args.join(" "));
  }
  const help = await runCli(["keys", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /keys create --name NAME/);
});
