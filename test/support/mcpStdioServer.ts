/**
 * An MCP server on stdio for the tests, written with the SDK's McpServer, run as `node dist/test/support/mcpStdioServer.js`:
 * `add` (structured content with an output schema), `pid` (which process answers), `env` (a variable the gateway
 * passed), `grow` (adds the tool `extra`, so the server tells its client the list changed) and `crash` (the
 * process exits mid-call, after a word on stderr).
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "stdio-fixture", version: "1.0.0" });

server.registerTool(
  "add",
  { description: "Adds two numbers.", inputSchema: { a: z.number(), b: z.number() }, outputSchema: { sum: z.number() } },
  ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }], structuredContent: { sum: a + b } }),
);
server.registerTool("pid", { description: "The process id of this server." }, () => ({ content: [{ type: "text", text: String(process.pid) }] }));
server.registerTool("env", { description: "FIXTURE_TOKEN as the server sees it." }, () => ({ content: [{ type: "text", text: process.env.FIXTURE_TOKEN ?? "(unset)" }] }));
server.registerTool("grow", { description: "Adds the tool extra." }, () => {
  server.registerTool("extra", { description: "Added at run time." }, () => ({ content: [{ type: "text", text: "extra!" }] }));
  return { content: [{ type: "text", text: "grown" }] };
});
server.registerTool("crash", { description: "Exits the process." }, () => {
  process.stderr.write("about to crash\n", () => process.exit(3));
  return new Promise<never>(() => undefined);
});

await server.connect(new StdioServerTransport());
