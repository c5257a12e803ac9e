/**
 * The gateway as an MCP server, for one caller: `tools/list` is every tool the caller may use outside a session
 * (the built-ins that need none, the http tools, the MCP servers' tools it is let into), and `tools/call` runs one
 * through runToolCall, with the loop's timeout, spans and tool metrics. Each call leaves one audit line (event
 * `mcp.call`: who, which tool, how it ended, how long) and never its arguments or result. A tool that fails is a
 * result with `isError` (the model can act on it); a tool the caller may not use or that does not exist is a
 * JSON-RPC error, as the spec has it. Built per request: the /mcp endpoint is stateless.
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult, type Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Principal } from "../auth/principal.js";
import { viewerOf } from "../documents/viewerOf.js";
import { isAbortError, isGatewayError } from "../errors.js";
import { isRecord } from "../isRecord.js";
import type { Logger } from "../logger.js";
import type { ToolCallObservers } from "../observability/observeToolCall.js";
import type { Toolbox } from "../tools/createToolbox.js";
import { runToolCall } from "../tools/runToolCall.js";
import type { ServerTool } from "../tools/serverTool.js";

export const MCP_SERVER_INFO = { name: "switchyard", version: "1.0.0" };

/** Characters of a requested tool name that reach the audit line: a caller cannot fill the log with one. */
const LOGGED_NAME = 128;

export interface McpGatewayServerDeps {
  tools: Toolbox;
  principal: Principal;
  /** The HTTP request's: fires when the client goes away. */
  signal: AbortSignal;
  observers: ToolCallObservers;
  logger: Logger;
}

export function createMcpGatewayServer(deps: McpGatewayServerDeps): Server {
  const { principal, logger } = deps;
  const server = new Server(MCP_SERVER_INFO, {
    capabilities: { tools: {} },
    instructions: "The tools of this Switchyard gateway that your credential may use.",
  });
  const sessionless = { sessionless: true };

  server.setRequestHandler(ListToolsRequestSchema, async (_request, extra) => {
    try {
      const tools = await deps.tools.select(true, principal, AbortSignal.any([deps.signal, extra.signal]), sessionless);
      return { tools: tools.map(describe) };
    } catch (error) {
      throw asMcpError(error, logger);
    }
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const started = performance.now();
    const name = request.params.name;
    const audit = (outcome: string, durationMs = Math.round(performance.now() - started)) =>
      logger.info(
        { event: "mcp.call", userId: principal.userId, ...(principal.keyId ? { keyId: principal.keyId } : {}), tool: name.slice(0, LOGGED_NAME), outcome, durationMs },
        "mcp tool call",
      );
    const signal = AbortSignal.any([deps.signal, extra.signal]);
    let tool: ServerTool | undefined;
    try {
      [tool] = await deps.tools.select([name], principal, signal, sessionless);
    } catch (error) {
      audit(isGatewayError(error) && error.code === "forbidden" ? "forbidden" : isGatewayError(error) && error.code === "invalid_request" ? "unknown_tool" : "failed");
      throw asMcpError(error, logger);
    }
    const outcome = await runToolCall(
      { id: `mcp_${String(extra.requestId)}`, type: "function", function: { name, arguments: JSON.stringify(request.params.arguments ?? {}) } },
      {
        tools: new Map(tool ? [[name, tool]] : []),
        timeoutMs: deps.tools.settings.timeoutMs,
        // No session and no project: search_documents reads every project the caller may read, as GET /api/v2/search does.
        context: { viewer: viewerOf(principal), sessionId: "", projectId: undefined },
        signal,
        observers: { ...deps.observers, logger },
      },
    );
    audit(outcome.error?.code ?? "ok", outcome.durationMs);
    if (outcome.error) return { content: [{ type: "text", text: outcome.error.message }], isError: true } satisfies CallToolResult;
    return resultOf(outcome.result);
  });
  return server;
}

function describe(tool: ServerTool): Tool {
  return { name: tool.name, description: tool.description, inputSchema: { ...tool.parameters, type: "object" } };
}

function resultOf(result: unknown): CallToolResult {
  const text = typeof result === "string" ? result : JSON.stringify(result);
  // Structured content beside its text, as the spec asks of a tool without an output schema.
  return { content: [{ type: "text", text }], ...(isRecord(result) ? { structuredContent: result } : {}) };
}

/** A refusal is the caller's (InvalidParams, with its message); anything unexpected stays in the logs as "internal error". */
function asMcpError(error: unknown, logger: Logger): McpError {
  if (error instanceof McpError) return error;
  if (isGatewayError(error)) return new McpError(error.status < 500 ? ErrorCode.InvalidParams : ErrorCode.InternalError, error.message);
  if (!isAbortError(error)) logger.error({ err: error }, "an MCP request failed");
  return new McpError(ErrorCode.InternalError, "internal error");
}
