import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, ConfigError } from "../../src/config/loadConfig.js";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchyard-config-"));
});
after(() => rm(dir, { recursive: true, force: true }));

const file = async (name: string, text: string) => {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
};

const contract = `
server: { host: 127.0.0.1, port: 8080, bodyLimitBytes: 1048576, drainTimeoutMs: 30000 }
store:  { url: "sqlite:./data/switchyard.db" }
engines:
  - { name: vllm, type: openai, baseUrl: "http://127.0.0.1:8000/v1", apiKey: "\${VLLM_API_KEY}", models: [qwen2.5-7b-instruct] }
  - { name: gguf, type: local, model: "./models/model.gguf", maxConcurrency: 2 }
chat:   { historyWindow: 20, defaultEngine: auto }
`;

test("the documented shape loads, with secrets interpolated from the environment", async () => {
  const { config, source } = loadConfig({ path: await file("ok.yaml", contract), env: { VLLM_API_KEY: "sk-secret" } });
  assert.match(source, /ok\.yaml$/);
  assert.equal(config.server.port, 8080);
  const [vllm, gguf] = config.engines;
  assert.equal(vllm?.type === "openai" && vllm.apiKey, "sk-secret");
  assert.equal(gguf?.type === "local" && gguf.maxConcurrency, 2);
  assert.equal(config.chat.historyWindow, 20);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.engines[0]));
});

test("an unset variable is named with its field; ${VAR:-} allows empty", async () => {
  const path = await file("secret.yaml", contract);
  assert.throws(() => loadConfig({ path, env: {} }), (error: Error) => error instanceof ConfigError && /engines\[0\]\.apiKey/.test(error.message) && /VLLM_API_KEY/.test(error.message));
  const optional = await file("optional.yaml", contract.replace("${VLLM_API_KEY}", "${VLLM_API_KEY:-}"));
  const { config } = loadConfig({ path: optional, env: {} });
  assert.equal(config.engines[0]?.type === "openai" && config.engines[0].apiKey, "");
});

test("env overrides host and port", async () => {
  const { config } = loadConfig({ path: await file("env.yaml", contract), env: { VLLM_API_KEY: "k", SWITCHYARD_HOST: "127.0.0.2", SWITCHYARD_PORT: "9191" } });
  assert.equal(config.server.host, "127.0.0.2");
  assert.equal(config.server.port, 9191);
  assert.throws(() => loadConfig({ path: join(dir, "env.yaml"), env: { VLLM_API_KEY: "k", SWITCHYARD_PORT: "eighty" } }), /server\.port/);
});

test("auth.mode none is refused on a non-loopback address", async () => {
  const path = await file("open.yaml", contract);
  assert.throws(() => loadConfig({ path, env: { VLLM_API_KEY: "k", SWITCHYARD_HOST: "0.0.0.0" } }), /auth\.mode: .*loopback/);
  const secured = await file("secured.yaml", `${contract}\nauth: { mode: keys, adminKey: "0123456789abcdefghijklmnop" }\n`);
  assert.equal(loadConfig({ path: secured, env: { VLLM_API_KEY: "k", SWITCHYARD_HOST: "0.0.0.0" } }).config.server.host, "0.0.0.0");
});

const invalid: Array<[string, string, RegExp]> = [
  ["wrong type", "server: { port: 'eighty' }", /server\.port/],
  ["unknown key", "server: { hots: 1 }", /server.*hots|Unrecognized key/],
  ["bad store url", "store: { url: 'mysql://x' }", /store\.url/],
  ["engine without models", "engines: [{ name: a, type: openai, baseUrl: 'http://x/v1', models: [] }]", /engines\[0\]\.models/],
  ["unknown engine type", "engines: [{ name: a, type: magic }]", /engines\[0\]\.type/],
  ["slash in engine name", "engines: [{ name: 'a/b', type: local, model: x }]", /engines\[0\]\.name/],
  ["duplicate engine", "engines: [{ name: a, type: local, model: x }, { name: a, type: local, model: y }]", /engines\[1\]\.name.*duplicate/],
  ["default engine missing", "chat: { defaultEngine: ghost }", /chat\.defaultEngine/],
];
for (const [name, yaml, pattern] of invalid) {
  test(`invalid file rejected with the field named: ${name}`, async () => {
    const path = await file(`${name.replaceAll(" ", "-")}.yaml`, yaml);
    assert.throws(() => loadConfig({ path, env: {} }), (error: Error) => error instanceof ConfigError && pattern.test(error.message));
  });
}

test("unreadable and non-YAML files are rejected clearly", async () => {
  assert.throws(() => loadConfig({ path: join(dir, "missing.yaml"), env: {} }), /cannot read config file/);
  const bad = await file("bad.yaml", "server: [unclosed");
  assert.throws(() => loadConfig({ path: bad, env: {} }), /not valid YAML/);
});

test("SWITCHYARD_CONFIG names the file; without any file the embedded default is used", async () => {
  const path = await file("via-env.yaml", "server: { port: 7070 }");
  assert.equal(loadConfig({ env: { SWITCHYARD_CONFIG: path } }).config.server.port, 7070);
  const { config, source } = loadConfig({ env: { SWITCHYARD_LOCAL_MODEL: "/models/x.gguf" } });
  assert.equal(source, "embedded default");
  assert.equal(config.store.url, "sqlite:./data/switchyard.db");
  assert.deepEqual(
    config.engines.map((e) => [e.name, e.type, e.type === "local" ? e.model : ""]),
    [["local", "local", "/models/x.gguf"]],
  );
  const unset = loadConfig({ env: {} }).config.engines[0];
  assert.equal(unset?.type === "local" && unset.model, "");
});
