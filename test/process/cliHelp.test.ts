/** `switchyard <command> --help` prints that command's own usage; `--help` alone, the list of commands. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { runCli } from "../backup/runCli.js";

test("serve, migrate and check-config each have their own --help; plain --help lists every command", async () => {
  for (const command of ["serve", "migrate", "check-config"]) {
    const help = await runCli([command, "--help"], { cwd: tmpdir() });
    assert.equal(help.code, 0, help.stderr);
    assert.ok(help.stdout.startsWith(`usage: switchyard ${command} [--config FILE]`), help.stdout);
    assert.match(help.stdout, /--config, -c FILE/);
  }
  assert.match((await runCli(["serve", "-h"], { cwd: tmpdir() })).stdout, /--watch/);
  const general = await runCli(["--help"], { cwd: tmpdir() });
  assert.equal(general.code, 0);
  assert.ok(general.stdout.startsWith("usage: switchyard <command>"), general.stdout);
  for (const command of ["serve", "migrate", "check-config", "keys", "backup", "ingest"]) assert.match(general.stdout, new RegExp(`\\n  ${command}\\b`));
});
