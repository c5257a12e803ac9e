/**
 * The contract's chat request as an Anthropic Messages request body. Only what Anthropic has a field for is sent:
 * the OpenAI-only request fields in `extra` (response_format, logprobs, …) have no counterpart and are dropped.
 */
import { GatewayError } from "../../errors.js";
import type { ChatMessage, ChatRequest, ToolDefinition } from "../spec.js";

export type AnthropicContentBlock =
  | { type: "text"; text: string }
  | { type: "image"; source: { type: "base64"; media_type: string; data: string } }
  | { type: "tool_use"; id: string; name: string; input: unknown }
  | { type: "tool_result"; tool_use_id: string; content?: string };

export interface AnthropicMessage {
  role: "user" | "assistant";
  content: AnthropicContentBlock[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
}

export type AnthropicToolChoice =
  | { type: "auto"; disable_parallel_tool_use?: boolean }
  | { type: "any"; disable_parallel_tool_use?: boolean }
  | { type: "tool"; name: string; disable_parallel_tool_use?: boolean }
  | { type: "none" };

export interface AnthropicRequest {
  model: string;
  max_tokens: number;
  messages: AnthropicMessage[];
  system?: string;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  metadata?: { user_id: string };
  stream: true;
}

export function toAnthropicRequest(request: ChatRequest, defaultMaxTokens: number): AnthropicRequest {
  const system = request.messages.filter((message) => message.role === "system").map((message) => message.content ?? "").filter((text) => text.length > 0);
  const body: AnthropicRequest = {
    model: request.model,
    max_tokens: request.maxTokens ?? defaultMaxTokens,
    messages: toTurns(request.messages),
    stream: true,
  };
  if (system.length > 0) body.system = system.join("\n\n");
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  const topK = request.extra?.top_k;
  if (typeof topK === "number") body.top_k = topK;
  if (request.stop !== undefined && request.stop.length > 0) body.stop_sequences = [...request.stop];
  // Anthropic refuses tool_choice without tools, where OpenAI clients commonly send "none" or "auto" anyway.
  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = request.tools.map(toTool);
    const choice = toToolChoice(request.toolChoice, request.extra?.parallel_tool_calls === false);
    if (choice !== undefined) body.tool_choice = choice;
  }
  const user = request.extra?.user;
  if (typeof user === "string" && user.length > 0) body.metadata = { user_id: user };
  return body;
}

/** Anthropic wants user and assistant turns alternating: consecutive messages of one role become one turn. */
function toTurns(messages: readonly ChatMessage[]): AnthropicMessage[] {
  const turns: AnthropicMessage[] = [];
  for (const message of messages) {
    if (message.role === "system") continue;
    const role = message.role === "assistant" ? "assistant" : "user";
    const content = blocksOf(message);
    // Anthropic refuses empty text blocks and empty turns; a message with nothing in it says nothing.
    if (content.length === 0) continue;
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...content);
    else turns.push({ role, content });
  }
  return turns;
}

function blocksOf(message: ChatMessage): AnthropicContentBlock[] {
  const text = message.content ?? "";
  if (message.role === "tool") {
    if (message.toolCallId === undefined || message.toolCallId.length === 0) {
      throw new GatewayError("invalid_request", "a tool message needs the tool_call_id it answers", { param: "messages" });
    }
    return [text.length > 0 ? { type: "tool_result", tool_use_id: message.toolCallId, content: text } : { type: "tool_result", tool_use_id: message.toolCallId }];
  }
  const blocks: AnthropicContentBlock[] = text.length > 0 ? [{ type: "text", text }] : [];
  for (const image of message.images ?? []) blocks.push({ type: "image", source: { type: "base64", media_type: image.mediaType, data: image.data } });
  if (message.role === "assistant") {
    for (const call of message.toolCalls ?? []) blocks.push({ type: "tool_use", id: call.id, name: call.function.name, input: toolInputOf(call.function.arguments, call.function.name) });
  }
  return blocks;
}

/** Anthropic takes a tool call's input as a JSON object, where OpenAI carries it as text the model wrote. */
function toolInputOf(args: string, name: string): unknown {
  if (args.trim().length === 0) return {};
  try {
    return JSON.parse(args) as unknown;
  } catch {
    throw new GatewayError("invalid_request", `the arguments of the assistant's call to tool "${name}" are not valid JSON`, { param: "messages" });
  }
}

function toTool(tool: ToolDefinition): AnthropicTool {
  const out: AnthropicTool = { name: tool.function.name, input_schema: tool.function.parameters ?? { type: "object", properties: {} } };
  if (tool.function.description !== undefined) out.description = tool.function.description;
  return out;
}

function toToolChoice(choice: unknown, noParallel: boolean): AnthropicToolChoice | undefined {
  const parallel = noParallel ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined || choice === null) return noParallel ? { type: "auto", ...parallel } : undefined;
  if (choice === "auto") return { type: "auto", ...parallel };
  if (choice === "required") return { type: "any", ...parallel };
  if (choice === "none") return { type: "none" };
  if (typeof choice === "object") {
    const { type, function: fn } = choice as { type?: unknown; function?: unknown };
    const name = typeof fn === "object" && fn !== null ? (fn as { name?: unknown }).name : undefined;
    if (type === "function" && typeof name === "string" && name.length > 0) return { type: "tool", name, ...parallel };
  }
  throw new GatewayError("invalid_request", "tool_choice must be \"auto\", \"required\", \"none\" or a named function", { param: "tool_choice" });
}
