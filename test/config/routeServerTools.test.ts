/**
 * `routes[].serverTools` at load: absent (the default) changes nothing; `true` or names of tools the `tools`
 * section configures are taken; every name that cannot be one of them is refused with its path, as far as the
 * configuration can tell (an MCP server without an allow-list is asked at request time).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { configSchema } from "../../src/config/schema.js";

const engines = [{ name: "vllm", type: "openai", baseUrl: "http://127.0.0.1:9/v1", models: ["m"] }];
const tools = {
  builtins: ["search_documents"],
  http: [{ name: "weather", description: "Weather", url: "https://weather.example/v1" }],
  mcp: [
    { name: "docs", transport: "http", url: "https://mcp.example/mcp", tools: ["search", "fetch.page"] },
    { name: "open", transport: "http", url: "https://open.example/mcp" },
  ],
};
const route = (serverTools: unknown) => ({ name: "agent", targets: ["vllm/m"], ...(serverTools === undefined ? {} : { serverTools }) });
const parse = (serverTools: unknown, toolsSection: Record<string, unknown> = tools) => configSchema.safeParse({ engines, tools: toolsSection, routes: [route(serverTools)] });
const issues = (serverTools: unknown, toolsSection?: Record<string, unknown>) => {
  const result = parse(serverTools, toolsSection);
  assert.equal(result.success, false, "refused");
  return result.error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("\n") ?? "";
};

test("absent by default; true and names of configured tools are taken", () => {
  const parsed = configSchema.parse({ engines, routes: [route(undefined)] });
  assert.equal(parsed.routes[0]?.serverTools, undefined);
  assert.equal(parse(true).data?.routes[0]?.serverTools, true);
  const names = ["search_documents", "weather", "docs__search", "docs__fetch_page", "open__anything"];
  assert.deepEqual(parse(names).data?.routes[0]?.serverTools, names);
});

test("names that cannot be a configured tool are refused with their path", () => {
  assert.match(issues(["nope"]), /routes\.0\.serverTools\.0: no server tool named "nope"/);
  assert.match(issues(["weather", "get_session_history"]), /routes\.0\.serverTools\.1: "get_session_history" needs a session/);
  assert.match(issues(["docs__missing"]), /serverTools\.0: the MCP server "docs" offers only "docs__search", "docs__fetch_page"/);
  assert.match(issues(["elsewhere__tool"]), /no server tool named "elsewhere__tool"/);
  assert.match(issues(["search_documents"], { ...tools, builtins: [] }), /"search_documents" is not enabled \(tools\.builtins\)/);
  assert.match(issues([]), /serverTools/);
  assert.match(issues(["weather", "weather"]), /names a tool twice/);
  assert.match(issues(false), /serverTools/);
  assert.match(issues(["bad name"]), /serverTools\.0: 1 to 64 letters/);
});
