/**
 * The `tools.mcp` list: defaults, every way a server definition is refused at load (with the field named),
 * `${ENV}` in headers and env (masked in logs), the names its tools are offered under, and who may use them.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/loadConfig.js";
import { configSchema } from "../../src/config/schema.js";
import { createScrubber, secretsOf } from "../../src/observability/createScrubber.js";
import { mcpServerOf, mcpToolName } from "../../src/mcp/mcpToolName.js";
import { mayUseMcpServer } from "../../src/mcp/mayUseMcpServer.js";
import { anonymousPrincipal, localPrincipal, type Principal } from "../../src/auth/principal.js";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchyard-mcp-config-"));
});
after(() => rm(dir, { recursive: true, force: true }));

const stdio = (extra: Record<string, unknown> = {}) => ({ name: "files", transport: "stdio", command: "node", ...extra });
const http = (extra: Record<string, unknown> = {}) => ({ name: "docs", transport: "http", url: "https://mcp.example/mcp", ...extra });
const issues = (tools: Record<string, unknown>) => {
  const result = configSchema.safeParse({ tools });
  assert.equal(result.success, false, "refused");
  return result.error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("\n") ?? "";
};

test("defaults: no MCP servers; a server gets no args, env or headers, 64 KiB results, every tool, every caller", () => {
  assert.deepEqual(configSchema.parse({}).tools.mcp, []);
  const { mcp } = configSchema.parse({ tools: { mcp: [stdio(), http()] } }).tools;
  assert.deepEqual(mcp, [
    { ...stdio(), args: [], env: {}, maxResultBytes: 65_536 },
    { ...http(), headers: {}, maxResultBytes: 65_536 },
  ]);
});

test("bad server definitions are refused with the field named", () => {
  assert.match(issues({ mcp: [stdio({ name: "a__b" })] }), /mcp\.0\.name: must not contain '__'/);
  assert.match(issues({ mcp: [stdio({ name: "trailing_" })] }), /mcp\.0\.name: must not contain '__' or end with '_'/);
  assert.match(issues({ mcp: [stdio({ name: "has space" })] }), /mcp\.0\.name: 1 to 32 letters/);
  assert.match(issues({ mcp: [stdio({ name: "x".repeat(33) })] }), /mcp\.0\.name: 1 to 32 letters/);
  assert.match(issues({ mcp: [stdio(), stdio()] }), /mcp\.1\.name: "files" is already an MCP server's name/);
  assert.match(issues({ mcp: [stdio({ transport: "websocket" })] }), /mcp\.0\.transport/);
  assert.match(issues({ mcp: [stdio({ url: "https://mcp.example/" })] }), /mcp\.0: Unrecognized key: "url"/);
  assert.match(issues({ mcp: [http({ command: "node" })] }), /mcp\.0: Unrecognized key: "command"/);
  assert.match(issues({ mcp: [http({ url: "file:///etc/passwd" })] }), /mcp\.0\.url/);
  assert.match(issues({ mcp: [{ name: "docs", transport: "http" }] }), /mcp\.0\.url/);
  assert.match(issues({ mcp: [stdio({ command: "" })] }), /mcp\.0\.command/);
  assert.match(issues({ mcp: [stdio({ access: {} })] }), /mcp\.0\.access: name roles, keyIds or both/);
  assert.match(issues({ mcp: [stdio({ access: { roles: ["root"] } })] }), /mcp\.0\.access\.roles\.0/);
  assert.match(issues({ mcp: [stdio({ access: { keyIds: [] } })] }), /mcp\.0\.access\.keyIds/);
  assert.match(issues({ mcp: [stdio({ tools: [] })] }), /mcp\.0\.tools/);
  assert.match(issues({ mcp: [stdio({ timeoutMs: 0 })] }), /mcp\.0\.timeoutMs/);
  assert.match(issues({ mcp: [stdio({ maxResultBytes: -1 })] }), /mcp\.0\.maxResultBytes/);
  assert.match(issues({ mcp: [stdio({ tools: ["read.file", "read_file"] })] }), /mcp\.0\.tools: "read\.file" and "read_file" would both be offered as "files__read_file"/);
  // The server's prefix is its own: an http tool cannot take a name under it.
  assert.match(
    issues({ mcp: [stdio()], http: [{ name: "files__read", description: "Reads", url: "https://tools.example/read" }] }),
    /http\.0\.name: "files__" prefixes the tools of the MCP server "files"/,
  );
});

test("headers and env take ${ENV}, and their values are masked in logs", async () => {
  const path = join(dir, "mcp.yaml");
  await writeFile(
    path,
    [
      "tools:",
      "  mcp:",
      '    - { name: docs, transport: http, url: "https://mcp.example/mcp", headers: { authorization: "Bearer ${DOCS_TOKEN}" } }',
      '    - { name: files, transport: stdio, command: npx, args: ["-y", "files-mcp"], env: { FILES_TOKEN: "${FILES_TOKEN}" } }',
      "",
    ].join("\n"),
  );
  const { config } = loadConfig({ path, env: { DOCS_TOKEN: "docs-token-0123456789", FILES_TOKEN: "files-token-0123456789" } });
  const [docs, files] = config.tools.mcp;
  assert.equal(docs?.transport === "http" ? docs.headers.authorization : undefined, "Bearer docs-token-0123456789");
  assert.equal(files?.transport === "stdio" ? files.env.FILES_TOKEN : undefined, "files-token-0123456789");
  const scrub = createScrubber(secretsOf(config));
  assert.equal(scrub("sent Bearer docs-token-0123456789 and files-token-0123456789"), "sent [redacted] and [redacted]");
});

test("tools are offered as <server>__<tool>, made to fit OpenAI's function names", () => {
  assert.equal(mcpToolName("files", "read_file"), "files__read_file");
  assert.equal(mcpToolName("files", "read.file v2/ü"), "files__read_file_v2__");
  const long = mcpToolName("files", "x".repeat(100));
  assert.equal(long.length, 64);
  assert.match(long, /^files__x+$/);
  assert.equal(mcpServerOf("files__read", ["docs", "files"]), "files");
  assert.equal(mcpServerOf("files___read", ["files"]), "files", "a tool named _read");
  assert.equal(mcpServerOf("search_documents", ["files"]), undefined);
  assert.equal(mcpServerOf("other__read", ["files"]), undefined);
});

test("access: every caller without it; else the listed roles or key ids; never an anonymous caller", () => {
  const user: Principal = { kind: "key", userId: "u", role: "user", keyId: "key-1" };
  const admin: Principal = { kind: "key", userId: "a", role: "admin", keyId: "key-2" };
  const jwt: Principal = { kind: "jwt", userId: "j", role: "user" };
  assert.equal(mayUseMcpServer(undefined, user), true);
  assert.equal(mayUseMcpServer(undefined, jwt), true);
  assert.equal(mayUseMcpServer(undefined, anonymousPrincipal), false);
  assert.equal(mayUseMcpServer({ roles: ["admin"] }, user), false);
  assert.equal(mayUseMcpServer({ roles: ["admin"] }, admin), true);
  assert.equal(mayUseMcpServer({ roles: ["admin"] }, localPrincipal), true, "auth.mode none: the local admin");
  assert.equal(mayUseMcpServer({ keyIds: ["key-1"] }, user), true);
  assert.equal(mayUseMcpServer({ keyIds: ["key-1"] }, admin), false, "a key list is not widened for admins");
  assert.equal(mayUseMcpServer({ keyIds: ["key-1"] }, jwt), false);
  assert.equal(mayUseMcpServer({ roles: ["admin"], keyIds: ["key-1"] }, user), true, "either one lets a caller in");
});
