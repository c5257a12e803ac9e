/**
 * The server tools one OpenAI-API request on a route with `serverTools` is offered: the route's tools that its
 * caller may use (an MCP server that does not let the caller in offers it nothing; it is not an error), outside
 * any session. A client tool named like one of them is refused (the model could not tell them apart), and a
 * name the route lists that no longer exists is the operator's mistake, said as such.
 */
import type { Principal } from "../auth/principal.js";
import type { RouteServerTools } from "../config/routeServerToolsSchema.js";
import type { ToolDefinition } from "../engines/spec.js";
import { GatewayError, isGatewayError } from "../errors.js";
import type { Toolbox } from "../tools/createToolbox.js";
import { toolDefinition, type ServerTool } from "../tools/serverTool.js";

export interface ServerToolOffer {
  /** By name: the calls the gateway runs. */
  tools: ReadonlyMap<string, ServerTool>;
  /** As the model is shown them, after the client's own. */
  definitions: ToolDefinition[];
}

export interface OfferRequest {
  route: string;
  principal: Principal;
  signal: AbortSignal;
  /** The request's own tools, which the client runs. */
  clientTools: readonly ToolDefinition[] | undefined;
}

const sessionless = { sessionless: true };

export async function offerServerTools(toolbox: Toolbox, requested: RouteServerTools, request: OfferRequest): Promise<ServerToolOffer> {
  const selected =
    requested === true
      ? await toolbox.select(true, request.principal, request.signal, sessionless)
      : (await Promise.all(requested.map((name) => selectOne(toolbox, name, request)))).filter((tool) => tool !== undefined);
  const tools = new Map(selected.map((tool) => [tool.name, tool]));
  for (const tool of request.clientTools ?? []) {
    const name = tool.function.name;
    if (tools.has(name)) {
      throw new GatewayError("invalid_request", `the tool "${name}" is a server tool of the route "${request.route}", which the gateway runs; give yours another name`, { param: "tools" });
    }
  }
  return { tools, definitions: selected.map(toolDefinition) };
}

/** One named tool, or none when the caller may not use it. */
async function selectOne(toolbox: Toolbox, name: string, request: OfferRequest): Promise<ServerTool | undefined> {
  try {
    const [tool] = await toolbox.select([name], request.principal, request.signal, sessionless);
    return tool;
  } catch (error) {
    if (!isGatewayError(error)) throw error;
    if (error.code === "forbidden") return undefined;
    // The client named nothing: a name the toolbox does not know is the route's configuration at fault.
    if (error.code === "invalid_request") {
      throw new GatewayError("internal_error", `the route "${request.route}" lists the server tool "${name}" (routes[].serverTools), which is not available: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}
