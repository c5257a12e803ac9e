/**
 * Who may use which MCP tools, and the gateway as an MCP server: with API keys on, a server's `access` decides
 * which callers are offered its tools in a session turn (naming one anyway is 403) and which they see and may call
 * at /mcp, where the SDK's own Client talks to the gateway over Streamable HTTP. Each /mcp tool call leaves one
 * audit line (who, which tool, how it ended) without its arguments or result, and counts in the tool metrics.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { startMockUpstream, type MockUpstream } from "../support/mockUpstream.js";
import { captureLogs } from "../support/captureLogs.js";
import { openAIEngine, startGateway, type TestGateway } from "../support/startGateway.js";
import { postJson, readSse } from "../support/readSse.js";
import type { ErrorBody } from "../support/apiTypes.js";
import { startMcpServer, type TestMcpServer } from "../support/startMcpServer.js";
import { offeredToolsOf } from "../support/toolConversation.js";
import { eventually } from "../support/eventually.js";
import { openStore } from "../../src/store/openStore.js";
import { generateApiKey } from "../../src/auth/generateApiKey.js";
import { hashApiKey } from "../../src/auth/hashApiKey.js";
import { configSchema } from "../../src/config/schema.js";
import { ADMIN_KEY } from "../auth/authGateway.js";

interface AuditLine {
  event?: string;
  traceId?: string;
  userId?: string;
  keyId?: string;
  tool?: string;
  outcome?: string;
  durationMs?: number;
}

describe("MCP access and the /mcp endpoint", () => {
  let mock: MockUpstream;
  let fixture: TestMcpServer;
  let gateway: TestGateway;
  let dir: string;
  const keys = { user: "", other: "" };
  let userKeyId = "";
  const captured = captureLogs();
  const logs = captured.chunks;
  const logLines = captured.lines;

  before(async () => {
    mock = await startMockUpstream();
    fixture = await startMcpServer();
    dir = await mkdtemp(join(tmpdir(), "switchyard-mcp-"));
    const storeUrl = `sqlite:${join(dir, "gateway.db")}`;
    // The keys exist before the gateway starts, so its configuration can name one by id.
    const store = await openStore(storeUrl);
    const mint = async (userId: string) => {
      const key = generateApiKey();
      const created = await store.apiKeys.create({ name: userId, userId, role: "user", keyHash: hashApiKey(key), prefix: key.slice(0, 10) });
      return { key, id: created.id };
    };
    const user = await mint("mcp-user");
    keys.user = user.key;
    userKeyId = user.id;
    keys.other = (await mint("mcp-other")).key;
    await store.close();

    const url = `${fixture.url}/mcp`;
    gateway = await startGateway(
      {
        engines: [openAIEngine("vllm", mock.url)],
        store: { url: storeUrl },
        auth: { mode: "keys", adminKey: ADMIN_KEY },
        rateLimits: { enabled: false },
        tools: {
          mcp: [
            { name: "open", transport: "http", url, tools: ["echo", "broken", "slow"], timeoutMs: 1000 },
            { name: "staff", transport: "http", url, tools: ["echo"], access: { roles: ["admin"] } },
            { name: "named", transport: "http", url, tools: ["echo"], access: { keyIds: [user.id] } },
          ],
        },
      },
      {
        logLevel: "info",
        logDestination: captured.destination,
      },
    );
  });
  after(async () => {
    await gateway?.stop();
    await fixture?.close();
    await mock?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const offeredTo = async (key: string) => {
    mock.reset();
    const response = await postJson(`${gateway.url}/api/v2/chat/stream`, { message: "Hi", tools: true }, { authorization: `Bearer ${key}` });
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal((await readSse(response)).at(-1)?.event, "done");
    return offeredToolsOf(mock.requests[0]);
  };
  const connect = async (key: string | undefined) => {
    const client = new Client({ name: "switchyard-test", version: "1.0.0" });
    const headers: Record<string, string> = key === undefined ? {} : { authorization: `Bearer ${key}` };
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp`), { requestInit: { headers } }));
    return client;
  };

  test("a session turn offers a caller only the servers that let it in; naming another's tool is 403 forbidden", async () => {
    const user = await offeredTo(keys.user);
    assert.ok(user.includes("open__echo") && user.includes("named__echo"), user.join(", "));
    assert.ok(!user.some((name) => name.startsWith("staff__")));
    const other = await offeredTo(keys.other);
    assert.ok(other.includes("open__echo"));
    assert.ok(!other.some((name) => name.startsWith("named__") || name.startsWith("staff__")), other.join(", "));
    const admin = await offeredTo(ADMIN_KEY);
    assert.ok(admin.includes("staff__echo") && !admin.includes("named__echo"), admin.join(", "));

    for (const [key, tool] of [
      [keys.user, "staff__echo"],
      [keys.other, "named__echo"],
    ] as const) {
      const response = await postJson(`${gateway.url}/api/v2/chat/stream`, { message: "Hi", tools: ["open__echo", tool] }, { authorization: `Bearer ${key}` });
      assert.equal(response.status, 403);
      const body = (await response.json()) as ErrorBody;
      assert.equal(body.error.code, "forbidden");
      assert.equal(body.error.param, "tools");
      assert.match(body.error.message, new RegExp(`the tool "${tool}" is not available to this caller`));
    }
  });

  test("the SDK's Client lists at /mcp only the tools its key may use, and calls them", async () => {
    const client = await connect(keys.user);
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name).sort();
      assert.deepEqual(names, ["named__echo", "open__broken", "open__echo", "open__slow", "search_documents"], "no staff__ tools, no session-bound built-in");

      const echoed = await client.callTool({ name: "open__echo", arguments: { text: "a private question" } });
      assert.deepEqual(echoed.content, [{ type: "text", text: "echo: a private question" }]);
      assert.notEqual(echoed.isError, true);

      const broken = await client.callTool({ name: "open__broken", arguments: {} });
      assert.equal(broken.isError, true);
      assert.deepEqual(broken.content, [{ type: "text", text: "the weather service is down" }]);

      const slow = await client.callTool({ name: "open__slow", arguments: {} });
      assert.equal(slow.isError, true);
      assert.match(JSON.stringify(slow.content), /did not answer within 1000 ms/);

      const found = await client.callTool({ name: "search_documents", arguments: { query: "anything" } });
      assert.notEqual(found.isError, true, JSON.stringify(found));

      await assert.rejects(
        client.callTool({ name: "staff__echo", arguments: { text: "x" } }),
        (error: unknown) => error instanceof McpError && error.code === Number(ErrorCode.InvalidParams) && /not available to this caller/.test(error.message),
      );
      await assert.rejects(
        client.callTool({ name: "get_session_history", arguments: {} }),
        (error: unknown) => error instanceof McpError && error.code === Number(ErrorCode.InvalidParams),
      );
    } finally {
      await client.close();
    }

    const audit = await eventually(() => {
      const lines = logLines().filter((line) => line.event === "mcp.call") as AuditLine[];
      return lines.length >= 6 ? lines : undefined;
    }, 3000, "the audit lines");
    const byTool = new Map(audit.map((line) => [line.tool, line]));
    const echo = byTool.get("open__echo");
    assert.deepEqual(
      { event: echo?.event, userId: echo?.userId, keyId: echo?.keyId, tool: echo?.tool, outcome: echo?.outcome, durationMs: typeof echo?.durationMs },
      { event: "mcp.call", userId: "mcp-user", keyId: userKeyId, tool: "open__echo", outcome: "ok", durationMs: "number" },
    );
    assert.match(String(echo?.traceId), /^[0-9a-f]{32}$/, "in the request's trace");
    assert.equal(byTool.get("open__broken")?.outcome, "failed");
    assert.equal(byTool.get("open__slow")?.outcome, "timeout");
    assert.equal(byTool.get("staff__echo")?.outcome, "forbidden");
    assert.equal(byTool.get("get_session_history")?.outcome, "unknown_tool");
    const all = logs.join("");
    assert.ok(!all.includes("a private question"), "arguments never reach the log");
    assert.ok(!all.includes("the weather service is down"), "results never reach the log");

    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    const line = metrics.split("\n").find((text) => text.startsWith("tool_executions_total{") && text.includes('tool="open__echo"') && text.includes('status="ok"'));
    assert.ok(line && Number(line.split(" ").at(-1)) >= 1, "counted in the tool metrics");
  });

  test("/mcp wants a credential: the SDK's Client is refused with 401, and so is a bare request", async () => {
    await assert.rejects(connect(undefined), (error: unknown) => error instanceof StreamableHTTPError && error.code === 401);
    const response = await fetch(`${gateway.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as ErrorBody).error.code, "unauthorized");
  });

  test("/mcp refuses what is not JSON-RPC, or an unknown protocol version, with 400, and answers GET and DELETE with 405", async () => {
    const post = (body: unknown) =>
      fetch(`${gateway.url}/mcp`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${keys.user}` }, body: JSON.stringify(body) });
    for (const body of [{}, [], { jsonrpc: "1.0", id: 1, method: "x" }, [{ jsonrpc: "2.0", id: 1, method: "tools/list" }, 7]]) {
      const response = await post(body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(((await response.json()) as ErrorBody).error.code, "invalid_request");
    }
    // Without Accept naming an event stream, still an answer: JSON is what it is anyway.
    const listed = await post({ jsonrpc: "2.0", id: 7, method: "tools/list" });
    assert.equal(listed.status, 200);
    assert.equal(((await listed.json()) as { id: number; result: { tools: unknown[] } }).id, 7);
    const notified = await post({ jsonrpc: "2.0", method: "notifications/initialized" });
    assert.equal(notified.status, 202);
    const unsupported = await fetch(`${gateway.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${keys.user}`, "mcp-protocol-version": "1999-01-01" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 8, method: "tools/list" }),
    });
    assert.equal(unsupported.status, 400);
    const refused = (await unsupported.json()) as ErrorBody;
    assert.equal(refused.error.code, "invalid_request");
    assert.match(refused.error.message, /protocol version/i);

    for (const method of ["GET", "DELETE"]) {
      const response = await fetch(`${gateway.url}/mcp`, { method, headers: { authorization: `Bearer ${keys.user}`, accept: "text/event-stream" } });
      assert.equal(response.status, 405, method);
      assert.equal(response.headers.get("allow"), "POST");
      assert.equal(((await response.json()) as ErrorBody).error.code, "invalid_request");
    }
  });

  test("features.mcp off: /mcp answers 404 naming the flag, and on again after a reload", async () => {
    const toggle = (mcp: boolean) => gateway.reload(configSchema.parse({ ...gateway.config, features: { ...gateway.config.features, mcp } }));
    const post = () =>
      fetch(`${gateway.url}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${keys.user}` },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
    toggle(false);
    try {
      const off = await post();
      assert.equal(off.status, 404);
      const body = (await off.json()) as ErrorBody;
      assert.equal(body.error.code, "not_found");
      assert.match(body.error.message, /features\.mcp/);
    } finally {
      toggle(true);
    }
    const on = await post();
    assert.equal(on.status, 200);
    await on.arrayBuffer();
  });
});
