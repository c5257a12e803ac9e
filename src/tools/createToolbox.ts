/**
 * The server-side tools this gateway offers on the session API and at /mcp: the enabled built-ins, the
 * configured `http` tools, the tools of the configured MCP servers, and the loop's bounds. A request picks from
 * them by name (or takes them all with `tools: true`); an MCP server's tools go only to the callers it lets in.
 */
import { Agent } from "undici";
import type { Principal } from "../auth/principal.js";
import type { ToolsConfig } from "../config/toolsSchema.js";
import type { Retriever } from "../documents/createRetriever.js";
import { GatewayError } from "../errors.js";
import type { Logger } from "../logger.js";
import { createMcpToolset } from "../mcp/createMcpToolset.js";
import type { MessageStore } from "../store/messages.js";
import { httpTool } from "./httpTool.js";
import { searchDocumentsTool } from "./searchDocumentsTool.js";
import type { ServerTool } from "./serverTool.js";
import { sessionHistoryTool } from "./sessionHistoryTool.js";

export interface ToolLoopSettings {
  maxSteps: number;
  timeoutMs: number;
  maxCallsPerStep: number;
  /** How often a streamed answer is told the stream is alive while server tools run. */
  streamKeepaliveMs: number;
}

export interface SelectOptions {
  /** Leave out the tools that need a session (the /mcp endpoint has none). */
  sessionless?: boolean;
}

export interface Toolbox {
  readonly settings: ToolLoopSettings;
  /**
   * The tools a request asked for: none for absent or false, every enabled one the caller may use for true, else
   * the ones named. A name that is not an enabled tool is the client's mistake (invalid_request, param `tools`);
   * a tool of an MCP server the caller may not use is refused (forbidden). MCP servers are listed within their
   * timeout (or the signal); one that cannot be reached offers what it listed before, or nothing.
   */
  select(requested: boolean | readonly string[] | undefined, principal: Principal, signal: AbortSignal, options?: SelectOptions): Promise<ServerTool[]>;
  /** Closes the http tools' connections and the MCP servers' (stdio children end). */
  close(): Promise<void>;
}

export interface ToolboxDeps {
  config: ToolsConfig;
  retriever: Retriever;
  messages: Pick<MessageStore, "recent">;
  /** MCP connection and listing failures, name clashes, and stdio children's stderr (debug). */
  logger: Logger;
}

export function createToolbox(deps: ToolboxDeps): Toolbox {
  const { config } = deps;
  // Its own pool: a slow tool server never competes with engine or webhook connections.
  const agent = new Agent({ connect: { timeout: config.timeoutMs }, keepAliveTimeout: 4_000, connections: 32 });
  const builtins: Record<ToolsConfig["builtins"][number], () => ServerTool> = {
    search_documents: () => searchDocumentsTool(deps.retriever),
    get_session_history: () => sessionHistoryTool(deps.messages),
  };
  const enabled = new Map<string, ServerTool>();
  for (const name of config.builtins) enabled.set(name, builtins[name]());
  for (const tool of config.http) enabled.set(tool.name, httpTool(tool, agent));
  const mcp = createMcpToolset(config.mcp, { timeoutMs: config.timeoutMs, logger: deps.logger });

  return {
    settings: { maxSteps: config.maxSteps, timeoutMs: config.timeoutMs, maxCallsPerStep: config.maxCallsPerStep, streamKeepaliveMs: config.streamKeepaliveMs },
    async select(requested, principal, signal, options = {}) {
      if (requested === undefined || requested === false) return [];
      const local = options.sessionless ? new Map([...enabled].filter(([, tool]) => !tool.sessionBound)) : enabled;
      if (requested === true) return [...local.values(), ...(await mcp.available(principal, signal))];
      const names = [...new Set(requested)];
      const unknown = names.filter((name) => !local.has(name) && mcp.serverOf(name) === undefined);
      if (unknown.length > 0) {
        const offered = [...local.keys(), ...mcp.known(principal)];
        throw new GatewayError(
          "invalid_request",
          `unknown tool${unknown.length > 1 ? "s" : ""} ${unknown.map((name) => `"${name}"`).join(", ")}; ${offered.length > 0 ? `available: ${offered.join(", ")}` : "no tools are enabled"}`,
          { param: "tools" },
        );
      }
      for (const name of names) {
        const server = local.has(name) ? undefined : mcp.serverOf(name);
        if (server !== undefined && !mcp.mayUse(server, principal)) {
          throw new GatewayError("forbidden", `the tool "${name}" is not available to this caller (the MCP server "${server}" does not let it in)`, { param: "tools" });
        }
      }
      return Promise.all(names.map(async (name) => local.get(name) ?? mcp.resolve(name, signal)));
    },
    async close() {
      await mcp.close();
      await agent.destroy();
    },
  };
}
