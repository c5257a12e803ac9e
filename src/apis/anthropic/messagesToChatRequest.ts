/**
 * Anthropic's Messages request → the engine contract. The system prompt becomes the first message; a user turn's
 * `tool_result` blocks become `tool` messages (before the turn's text, as the results answer the assistant's
 * calls); an assistant turn's `tool_use` blocks become its tool calls, their `input` as JSON text. What no engine
 * behind the contract can carry is refused with a 400 naming the field, never silently dropped: server tools,
 * documents, images by URL. Base64 images ride on the user message for the engine to take or refuse. `thinking` blocks the client sends back are its own record of earlier reasoning and are left out.
 */
import type { ChatMessage, ChatRequest, ImageInput, ToolDefinition } from "../../engines/spec.js";
import { GatewayError } from "../../errors.js";
import type { ContentBlockParam, CountTokensBody, MessageParam, MessagesBody } from "./messagesSchema.js";

const droppedBlocks = new Set(["thinking", "redacted_thinking"]);

export function messagesToChatRequest(body: MessagesBody | CountTokensBody): Omit<ChatRequest, "model"> {
  const messages: ChatMessage[] = [];
  const system = systemText(body.system);
  if (system !== undefined) messages.push({ role: "system", content: system });
  body.messages.forEach((message, index) => messages.push(...toChatMessages(message, index)));
  const request: Omit<ChatRequest, "model"> = { messages };
  if ("max_tokens" in body) {
    request.maxTokens = body.max_tokens;
    if (body.temperature !== undefined) request.temperature = body.temperature;
    if (body.top_p !== undefined) request.topP = body.top_p;
    if (body.stop_sequences !== undefined && body.stop_sequences.length > 0) request.stop = body.stop_sequences;
    const extra: Record<string, unknown> = {};
    // vLLM and llama.cpp servers take top_k beside OpenAI's fields; OpenAI itself ignores what it does not know.
    if (body.top_k !== undefined) extra.top_k = body.top_k;
    if (typeof body.metadata?.user_id === "string") extra.user = body.metadata.user_id;
    if (body.tool_choice?.disable_parallel_tool_use === true) extra.parallel_tool_calls = false;
    if (Object.keys(extra).length > 0) request.extra = extra;
  }
  if (body.tools !== undefined && body.tools.length > 0) request.tools = body.tools.map(toToolDefinition);
  if (body.tool_choice !== undefined) request.toolChoice = toToolChoice(body.tool_choice);
  return request;
}

function systemText(system: MessagesBody["system"]): string | undefined {
  if (system === undefined) return undefined;
  const text = typeof system === "string" ? system : system.map((block) => block.text).join("\n\n");
  return text === "" ? undefined : text;
}

function toChatMessages(message: MessageParam, index: number): ChatMessage[] {
  if (typeof message.content === "string") return [{ role: message.role, content: message.content }];
  const out: ChatMessage[] = [];
  const texts: string[] = [];
  const images: ImageInput[] = [];
  const calls: NonNullable<ChatMessage["toolCalls"]> = [];
  message.content.forEach((block, blockIndex) => {
    const param = `messages[${index}].content[${blockIndex}]`;
    switch (block.type) {
      case "text":
        texts.push(block.text ?? "");
        return;
      case "tool_use":
        if (message.role !== "assistant") throw refused(param, "tool_use blocks belong to assistant turns");
        if (!block.id || !block.name) throw refused(param, "a tool_use block needs an id and a name");
        calls.push({ id: block.id, type: "function", function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
        return;
      case "image":
        if (message.role !== "user") throw refused(param, "image blocks belong to user turns");
        images.push(imageOf(block, param));
        return;
      case "tool_result":
        if (message.role !== "user") throw refused(param, "tool_result blocks belong to user turns");
        if (!block.tool_use_id) throw refused(param, "a tool_result block needs a tool_use_id");
        out.push({ role: "tool", toolCallId: block.tool_use_id, content: toolResultText(block, param) });
        return;
      default:
        if (droppedBlocks.has(block.type)) return;
        throw refused(param, `content blocks of type "${block.type}" are not supported`);
    }
  });
  if (message.role === "assistant") {
    const turn: ChatMessage = { role: "assistant", content: texts.length > 0 ? texts.join("") : null };
    if (calls.length > 0) turn.toolCalls = calls;
    if (turn.content !== null || calls.length > 0) out.push(turn);
  } else if (texts.length > 0 || images.length > 0) {
    const turn: ChatMessage = { role: "user", content: texts.join("") };
    if (images.length > 0) turn.images = images;
    out.push(turn);
  }
  return out;
}

const imageTypes = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

function imageOf(block: ContentBlockParam, param: string): ImageInput {
  const source = block.source;
  // The gateway does not fetch URLs on a client's behalf: the bytes come in the request.
  if (source?.type !== "base64" || typeof source.data !== "string" || source.data === "") {
    throw refused(`${param}.source`, 'send images as base64 (source.type "base64" with data)');
  }
  if (source.media_type === undefined || !imageTypes.has(source.media_type)) {
    throw refused(`${param}.source.media_type`, "an image is image/png, image/jpeg, image/gif or image/webp");
  }
  return { mediaType: source.media_type, data: source.data };
}

function toolResultText(block: ContentBlockParam, param: string): string {
  const content = block.content;
  let text: string;
  if (content === undefined) text = "";
  else if (typeof content === "string") text = content;
  else {
    text = content
      .map((part, partIndex) => {
        if (part.type !== "text") throw refused(`${param}.content[${partIndex}]`, `tool results of type "${part.type}" are not supported; send text`);
        return part.text ?? "";
      })
      .join("");
  }
  // A chat engine's tool message has no error flag: the words carry it, so the model still knows the call failed.
  return block.is_error === true ? `Error: ${text}` : text;
}

function toToolDefinition(tool: NonNullable<MessagesBody["tools"]>[number], index: number): ToolDefinition {
  // Anthropic's server tools (web search, code execution, …) run on Anthropic's side, which no engine here is.
  if (tool.type !== undefined && tool.type !== "custom") {
    throw refused(`tools[${index}]`, `server tools (type "${tool.type}") are not supported; define the tool with an input_schema`);
  }
  const definition: ToolDefinition["function"] = { name: tool.name, parameters: tool.input_schema ?? { type: "object", properties: {} } };
  if (tool.description !== undefined) definition.description = tool.description;
  return { type: "function", function: definition };
}

function toToolChoice(choice: NonNullable<MessagesBody["tool_choice"]>): unknown {
  switch (choice.type) {
    case "auto":
      return "auto";
    case "any":
      return "required";
    case "none":
      return "none";
    case "tool":
      if (choice.name === undefined) throw refused("tool_choice.name", 'tool_choice of type "tool" names the tool');
      return { type: "function", function: { name: choice.name } };
  }
}

function refused(param: string, message: string): GatewayError {
  return new GatewayError("invalid_request", `${param}: ${message}`, { param });
}
