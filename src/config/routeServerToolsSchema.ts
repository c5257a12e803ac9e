/**
 * A route's `serverTools`: the gateway's own tools (built-ins, `http` tools, MCP servers' `<server>__<tool>`) that
 * OpenAI-API requests on the route are offered and that the gateway runs itself. `true` offers every one the
 * caller may use; a list names them. Names are checked against the `tools` section here as far as it can tell
 * (an MCP server without an allow-list only says which names can exist once it is asked, at request time).
 */
import { z } from "zod";
import { mcpServerOf, mcpToolName } from "../mcp/mcpToolName.js";
import type { ToolsConfig } from "./toolsSchema.js";

export const routeServerToolsSchema = z.union([
  z.literal(true),
  z
    .array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "1 to 64 letters, digits, '_' or '-'"))
    .min(1)
    .refine((names) => new Set(names).size === names.length, "names a tool twice"),
]);

export type RouteServerTools = z.infer<typeof routeServerToolsSchema>;

export function routeServerToolIssues(
  tools: Pick<ToolsConfig, "builtins" | "http" | "mcp">,
  routes: ReadonlyArray<{ serverTools?: RouteServerTools | undefined }>,
): Array<{ path: Array<string | number>; message: string }> {
  const issues: Array<{ path: Array<string | number>; message: string }> = [];
  const http = new Set(tools.http.map((tool) => tool.name));
  const servers = new Map(tools.mcp.map((server) => [server.name, server]));
  routes.forEach((route, index) => {
    if (route.serverTools === true || route.serverTools === undefined) return;
    route.serverTools.forEach((name, at) => {
      const problem = problemOf(name);
      if (problem !== undefined) issues.push({ path: ["routes", index, "serverTools", at], message: problem });
    });
  });
  return issues;

  function problemOf(name: string): string | undefined {
    // The chat APIs (completions, messages, responses) have no session for it to read.
    if (name === "get_session_history") return '"get_session_history" needs a session: the chat APIs have none';
    if (name === "search_documents") return tools.builtins.includes(name) ? undefined : '"search_documents" is not enabled (tools.builtins)';
    if (http.has(name)) return undefined;
    const server = mcpServerOf(name, servers.keys());
    const config = server === undefined ? undefined : servers.get(server);
    if (config === undefined) return `no server tool named "${name}": name search_documents, a tools.http tool or an MCP server's tool as <server>__<tool>`;
    if (config.tools !== undefined && !config.tools.some((tool) => mcpToolName(config.name, tool) === name)) {
      return `the MCP server "${config.name}" offers only ${config.tools.map((tool) => `"${mcpToolName(config.name, tool)}"`).join(", ")} (its tools allow-list)`;
    }
    return undefined;
  }
}
