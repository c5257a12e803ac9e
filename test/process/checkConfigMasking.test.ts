/** check-config prints the configuration with every secret masked: single keys, lists of keys, static AWS credentials. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../backup/runCli.js";

test("check-config masks apiKey, each of apiKeys and AWS credentials", async () => {
  const dir = await mkdtemp(join(tmpdir(), "switchyard-check-config-"));
  try {
    const secrets = ["sk-single-key-value-0001", "sk-rotating-key-0002", "sk-rotating-key-0003", "aws-secret-access-0004", "aws-session-token-0005"];
    await writeFile(
      join(dir, "switchyard.yaml"),
      [
        `store: { url: "sqlite:${join(dir, "switchyard.db")}" }`,
        "engines:",
        `  - { name: one, type: openai, baseUrl: "http://127.0.0.1:9/v1", apiKey: ${secrets[0]}, models: [m] }`,
        `  - { name: many, type: anthropic, apiKeys: [${secrets[1]}, ${secrets[2]}], models: [claude] }`,
        `  - { name: br, type: bedrock, region: us-east-1, models: [m], credentials: { accessKeyId: AKIDTEST, secretAccessKey: ${secrets[3]}, sessionToken: ${secrets[4]} } }`,
        "",
      ].join("\n"),
    );
    const result = await runCli(["check-config", "--config", "switchyard.yaml"], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.startsWith("configuration OK"), result.stdout);
    for (const secret of secrets) assert.ok(!result.stdout.includes(secret), `${secret} printed`);
    assert.match(result.stdout, /"apiKeys": \[\s*"\*\*\*",\s*"\*\*\*"\s*\]/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
