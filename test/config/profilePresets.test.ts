/**
 * Profiles set defaults and never override what the file says; an unknown profile is refused with its field.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, ConfigError } from "../../src/config/loadConfig.js";

async function withConfigFile(text: string, run: (path: string) => void): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "switchyard-profile-"));
  try {
    const path = join(dir, "config.yaml");
    await writeFile(path, text);
    run(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("prod is the default: JSON at info", async () => {
  await withConfigFile("engines: []\n", (path) => {
    const { config } = loadConfig({ path, env: {} });
    assert.equal(config.profile, "prod");
    assert.deepEqual(config.log, { level: "info", pretty: false });
  });
});

test("dev: pretty at debug, from the file or from SWITCHYARD_PROFILE", async () => {
  await withConfigFile("profile: dev\n", (path) => {
    assert.deepEqual(loadConfig({ path, env: {} }).config.log, { level: "debug", pretty: true });
  });
  await withConfigFile("engines: []\n", (path) => {
    const { config } = loadConfig({ path, env: { SWITCHYARD_PROFILE: "dev" } });
    assert.equal(config.profile, "dev");
    assert.equal(config.log.pretty, true);
  });
});

test("what the file sets wins over the profile's preset", async () => {
  await withConfigFile("profile: dev\nlog: { level: warn }\n", (path) => {
    assert.deepEqual(loadConfig({ path, env: {} }).config.log, { level: "warn", pretty: true });
  });
  await withConfigFile("log: { pretty: true }\n", (path) => {
    assert.deepEqual(loadConfig({ path, env: { SWITCHYARD_PROFILE: "prod" } }).config.log, { level: "info", pretty: true });
  });
});

test("an unknown profile is refused, naming the field", async () => {
  await withConfigFile("profile: staging\n", (path) => {
    assert.throws(() => loadConfig({ path, env: {} }), (error: unknown) => error instanceof ConfigError && /profile/.test(error.message));
  });
});
