/**
 * The name an MCP server's tool is offered under: `<server>__<tool>`, made to fit OpenAI's function-name rule
 * (^[A-Za-z0-9_-]{1,64}$): other characters become `_` and a long name is cut at 64. Two tools of one server
 * can end up with the same name that way; whoever builds the list keeps the first and says so.
 */
export const MCP_NAME_SEPARATOR = "__";

const MAX_NAME = 64;

export function mcpToolName(server: string, tool: string): string {
  return `${server}${MCP_NAME_SEPARATOR}${tool}`.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, MAX_NAME);
}

/** The server whose prefix a requested tool name carries, if it is one of them. */
export function mcpServerOf(name: string, servers: Iterable<string>): string | undefined {
  const end = name.indexOf(MCP_NAME_SEPARATOR);
  if (end <= 0) return undefined;
  const prefix = name.slice(0, end);
  for (const server of servers) if (server === prefix) return server;
  return undefined;
}
