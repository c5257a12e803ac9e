/**
 * The server-side tools this gateway offers on the session API: the enabled built-ins and the configured `http`
 * tools, and the loop's bounds. A request picks from them by name (or takes them all with `tools: true`).
 */
import { Agent } from "undici";
import type { ToolsConfig } from "../config/toolsSchema.js";
import type { Retriever } from "../documents/createRetriever.js";
import { GatewayError } from "../errors.js";
import type { MessageStore } from "../store/messages.js";
import { httpTool } from "./httpTool.js";
import { searchDocumentsTool } from "./searchDocumentsTool.js";
import type { ServerTool } from "./serverTool.js";
import { sessionHistoryTool } from "./sessionHistoryTool.js";

export interface ToolLoopSettings {
  maxSteps: number;
  timeoutMs: number;
  maxCallsPerStep: number;
}

export interface Toolbox {
  readonly settings: ToolLoopSettings;
  /**
   * The tools a request asked for: none for absent or false, every enabled one for true, else the ones named.
   * A name that is not an enabled tool is the client's mistake (invalid_request, param `tools`).
   */
  select(requested: boolean | readonly string[] | undefined): ServerTool[];
  /** Closes the http tools' connections. */
  close(): Promise<void>;
}

export interface ToolboxDeps {
  config: ToolsConfig;
  retriever: Retriever;
  messages: Pick<MessageStore, "recent">;
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

  return {
    settings: { maxSteps: config.maxSteps, timeoutMs: config.timeoutMs, maxCallsPerStep: config.maxCallsPerStep },
    select(requested) {
      if (requested === undefined || requested === false) return [];
      if (requested === true) return [...enabled.values()];
      const unknown = requested.filter((name) => !enabled.has(name));
      if (unknown.length > 0) {
        const offered = [...enabled.keys()];
        throw new GatewayError(
          "invalid_request",
          `unknown tool${unknown.length > 1 ? "s" : ""} ${unknown.map((name) => `"${name}"`).join(", ")}; ${offered.length > 0 ? `available: ${offered.join(", ")}` : "no tools are enabled"}`,
          { param: "tools" },
        );
      }
      return [...new Set(requested)].map((name) => enabled.get(name) as ServerTool);
    },
    close: () => agent.destroy(),
  };
}
