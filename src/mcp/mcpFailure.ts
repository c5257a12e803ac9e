/**
 * What went wrong with an MCP server, as the tool error the model and the client see: unreachable, could not be
 * started, closed the connection, answered an HTTP error or a JSON-RPC error, sent something that is not MCP. The
 * message names the server, never its URL, headers or environment (they may carry credentials); aborts pass
 * through unchanged, so runToolCall can tell a timeout or a client that left from a failure. `reconnect` says
 * whether the connection is worth dropping (the transport failed) or not (the server answered, with an error).
 */
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { GatewayError, isAbortError, isGatewayError } from "../errors.js";

/** Characters of a server's own error message passed on: enough for the model to act on. */
const EXCERPT = 500;

export interface McpFailure {
  error: unknown;
  /** The transport (not the server's answer) failed: the next use should connect again. */
  reconnect: boolean;
}

export function mcpFailure(server: string, error: unknown): McpFailure {
  if (isAbortError(error)) return { error, reconnect: false };
  if (isGatewayError(error)) return { error, reconnect: false };
  const named = `the MCP server "${server}"`;
  const fail = (message: string, reconnect: boolean): McpFailure => ({ error: new GatewayError("upstream_error", message, { cause: error }), reconnect });
  if (error instanceof McpError) {
    if (error.code === Number(ErrorCode.ConnectionClosed)) return fail(`${named} closed the connection`, true);
    if (error.code === Number(ErrorCode.RequestTimeout)) return fail(`${named} did not answer in time`, false);
    return fail(`${named} answered with an error: ${excerpt(error.message)}`, false);
  }
  if (error instanceof StreamableHTTPError) {
    // 404: the server forgot the session (it restarted); a new connection starts a new one.
    return fail(error.code !== undefined && error.code > 0 ? `${named} answered HTTP ${error.code}` : `${named} sent an answer that is not MCP`, true);
  }
  const code = systemCode(error);
  if (code === "ENOENT" || code === "EACCES" || code === "ENOEXEC") return fail(`${named} could not be started (${code})`, true);
  if (code !== undefined) return fail(`${named} is unreachable (${code})`, true);
  if (error instanceof TypeError && /fetch failed/i.test(error.message)) return fail(`${named} is unreachable`, true);
  if (error instanceof Error && error.name === "ZodError") return fail(`${named} sent an answer that is not MCP`, false);
  if (error instanceof Error && /not connected/i.test(error.message)) return fail(`${named} is not connected`, true);
  return fail(`${named} failed`, true);
}

function excerpt(text: string): string {
  const chars = Array.from(text.trim());
  return chars.length > EXCERPT ? `${chars.slice(0, EXCERPT).join("")}…` : chars.join("");
}

/** A Node system error's code (ECONNREFUSED, ENOENT, ...), on the error or on the cause fetch wraps it in. */
function systemCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code;
  }
  return undefined;
}
