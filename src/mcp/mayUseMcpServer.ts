/**
 * Whether a caller may use an MCP server's tools: every authenticated caller when the server names no `access`,
 * else a caller whose role or API key id it lists. With auth.mode none every caller is the local admin (role
 * admin, no key id).
 */
import type { Principal } from "../auth/principal.js";
import type { McpServerConfig } from "../config/toolsSchema.js";

export function mayUseMcpServer(access: McpServerConfig["access"], principal: Principal): boolean {
  if (principal.kind === "anonymous") return false;
  if (access === undefined) return true;
  if (access.roles?.includes(principal.role)) return true;
  return principal.keyId !== undefined && access.keyIds?.includes(principal.keyId) === true;
}
