/**
 * A tool the gateway runs itself during a session turn: a name, a description and a JSON Schema of its arguments
 * (all three shown to the model), and `run`, which gets arguments already checked against that schema.
 */
import type { ToolDefinition } from "../engines/spec.js";
import type { Viewer } from "../store/documents.js";
import type { JsonSchema } from "./jsonSchemaSubset.js";

/** Whose turn a tool runs in: tools read only what this caller may read. */
export interface ToolContext {
  viewer: Viewer;
  sessionId: string;
  /** The turn's project (the request's, else the session's); undefined when neither has one. */
  projectId: string | undefined;
  /** Fires on the call's timeout and when the client goes away. */
  signal: AbortSignal;
}

export interface ServerTool {
  name: string;
  description: string;
  parameters: JsonSchema;
  /** Overrides tools.timeoutMs. */
  timeoutMs?: number | undefined;
  /** It reads the turn's session (get_session_history): not offered where there is none (the /mcp endpoint). */
  sessionBound?: boolean;
  /** Whoever runs it checks the arguments (an MCP server, against its own schema); they are not checked here. */
  checksOwnArguments?: boolean;
  /** The result is sent to the model as JSON; a thrown GatewayError's message is sent as the tool's error. */
  run(args: Record<string, unknown>, context: ToolContext): Promise<unknown>;
}

export function toolDefinition(tool: ServerTool): ToolDefinition {
  return { type: "function", function: { name: tool.name, description: tool.description, parameters: { ...tool.parameters } } };
}
