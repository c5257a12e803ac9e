/**
 * The configured MCP servers' tools as server-side tools, named `<server>__<tool>`, for the callers each server
 * lets in. Listing a server that cannot be reached offers what it listed last, or nothing (with a warning); a
 * tool a request names while its server cannot be listed is offered as a stand-in that reaches for the server
 * when called, so a server that is down costs a tool error, never the turn. Arguments are left to the MCP server
 * to check against its own schema (it must, and JSON Schema there may go beyond what the gateway checks).
 */
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Principal } from "../auth/principal.js";
import type { McpServerConfig } from "../config/toolsSchema.js";
import { GatewayError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { ServerTool } from "../tools/serverTool.js";
import { createMcpConnection, type McpConnection } from "./createMcpConnection.js";
import { mayUseMcpServer } from "./mayUseMcpServer.js";
import { mcpServerOf, mcpToolName } from "./mcpToolName.js";
import { mcpToolResult } from "./mcpToolResult.js";

/** Characters of a server's tool description shown to the model. */
const MAX_DESCRIPTION = 4096;

export interface McpToolset {
  /** The configured server whose prefix the name carries, if any. */
  serverOf(name: string): string | undefined;
  mayUse(server: string, principal: Principal): boolean;
  /** The tools of every server the caller may use, as far as they can be listed now. */
  available(principal: Principal, signal: AbortSignal): Promise<ServerTool[]>;
  /** A tool by its offered name, of a server the caller may use (see serverOf, mayUse); invalid_request if it has none. */
  resolve(name: string, signal: AbortSignal): Promise<ServerTool>;
  /** The offered names of the tools listed so far, of the servers the caller may use. */
  known(principal: Principal): string[];
  close(): Promise<void>;
}

export function createMcpToolset(servers: readonly McpServerConfig[], options: { timeoutMs: number; logger: Logger }): McpToolset {
  const { logger } = options;
  const connections = new Map(servers.map((config) => [config.name, createMcpConnection(config, options)]));
  // Per listing, so a server's tools are converted (and their name clashes reported) once, not on every turn.
  const converted = new WeakMap<readonly Tool[], Map<string, ServerTool>>();
  const reported = new Set<string>();

  const toolsOf = (connection: McpConnection, listed: readonly Tool[]): Map<string, ServerTool> => {
    let tools = converted.get(listed);
    if (tools) return tools;
    tools = new Map();
    const server = connection.config.name;
    for (const tool of listed) {
      const name = mcpToolName(server, tool.name);
      const taken = tools.get(name);
      if (taken) {
        const clash = `${server}\u0000${name}`;
        if (!reported.has(clash)) {
          reported.add(clash);
          logger.warn({ mcpServer: server, tool: tool.name, offeredAs: name }, `two tools of the MCP server would both be offered as "${name}"; only the first is`);
        }
        continue;
      }
      tools.set(name, serverTool(connection, tool, name));
    }
    converted.set(listed, tools);
    return tools;
  };

  const standIn = (connection: McpConnection, name: string): ServerTool => ({
    name,
    description: `A tool of the MCP server "${connection.config.name}", which could not be reached to describe it; calling it tries again.`,
    parameters: { type: "object" },
    timeoutMs: connection.timeoutMs,
    checksOwnArguments: true,
    async run(args, context) {
      const tool = toolsOf(connection, await connection.tools(context.signal, { retry: true })).get(name);
      if (!tool) throw new GatewayError("upstream_error", `the MCP server "${connection.config.name}" offers no tool "${name}"`);
      return tool.run(args, context);
    },
  });

  return {
    serverOf: (name) => mcpServerOf(name, connections.keys()),
    mayUse: (server, principal) => connections.has(server) && mayUseMcpServer(connections.get(server)?.config.access, principal),
    async available(principal, signal) {
      const usable = [...connections.values()].filter((connection) => mayUseMcpServer(connection.config.access, principal));
      const listed = await Promise.all(
        usable.map(async (connection) => {
          try {
            return [...toolsOf(connection, await connection.tools(signal)).values()];
          } catch (error) {
            if (signal.aborted) throw error;
            // Why is in the warning connecting logged; each turn it costs says so only at debug.
            logger.debug({ mcpServer: connection.config.name, reason: (error as Error).message }, "an MCP server's tools are not offered: it cannot be listed");
            return [];
          }
        }),
      );
      return listed.flat();
    },
    async resolve(name, signal) {
      const server = mcpServerOf(name, connections.keys());
      const connection = server === undefined ? undefined : connections.get(server);
      if (!connection) throw new GatewayError("invalid_request", `unknown tool "${name}"`, { param: "tools" });
      let listed: readonly Tool[];
      try {
        listed = await connection.tools(signal);
      } catch (error) {
        if (signal.aborted) throw error;
        // The allow-list says which names can exist without asking the server.
        const allowed = connection.config.tools;
        if (allowed && !allowed.some((tool) => mcpToolName(connection.config.name, tool) === name)) throw unknownTool(name, connection.config.name);
        return standIn(connection, name);
      }
      const tool = toolsOf(connection, listed).get(name);
      if (!tool) throw unknownTool(name, connection.config.name);
      return tool;
    },
    known(principal) {
      return [...connections.values()]
        .filter((connection) => mayUseMcpServer(connection.config.access, principal))
        .flatMap((connection) => {
          const listed = connection.known();
          return listed ? [...toolsOf(connection, listed).keys()] : [];
        });
    },
    async close() {
      await Promise.all([...connections.values()].map((connection) => connection.close()));
    },
  };
}

function serverTool(connection: McpConnection, tool: Tool, name: string): ServerTool {
  const { config } = connection;
  const description = tool.description ?? tool.title ?? tool.annotations?.title ?? `The ${tool.name} tool of the MCP server "${config.name}".`;
  return {
    name,
    description: Array.from(description).slice(0, MAX_DESCRIPTION).join(""),
    parameters: { ...tool.inputSchema },
    timeoutMs: connection.timeoutMs,
    checksOwnArguments: true,
    async run(args, { signal }) {
      return mcpToolResult(await connection.call(tool.name, args, signal), { server: config.name, maxResultBytes: config.maxResultBytes });
    },
  };
}

function unknownTool(name: string, server: string): GatewayError {
  return new GatewayError("invalid_request", `the MCP server "${server}" offers no tool "${name}"`, { param: "tools" });
}
