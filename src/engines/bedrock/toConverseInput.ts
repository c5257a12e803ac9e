import type { ContentBlock, ConverseStreamCommandInput, ImageFormat, Message, SystemContentBlock, Tool, ToolChoice, ToolConfiguration } from "@aws-sdk/client-bedrock-runtime";
import { GatewayError } from "../../errors.js";
import type { ChatMessage, ChatRequest, ImageInput, ToolCall, ToolDefinition } from "../spec.js";

const imageFormats: Readonly<Record<string, ImageFormat>> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/jpg": "jpeg",
  "image/gif": "gif",
  "image/webp": "webp",
};

/**
 * The Converse request for a chat request. Bedrock requires user and assistant turns to alternate and carries
 * tool results as user content, so consecutive turns of one role (tool results included) merge into one.
 */
export function toConverseInput(request: ChatRequest, defaultMaxTokens: number): ConverseStreamCommandInput {
  const system: SystemContentBlock[] = [];
  const messages: Message[] = [];
  const push = (role: "user" | "assistant", content: ContentBlock[]) => {
    if (content.length === 0) return;
    const last = messages[messages.length - 1];
    if (last?.role === role && last.content) last.content.push(...content);
    else messages.push({ role, content });
  };
  request.messages.forEach((message, index) => {
    switch (message.role) {
      case "system":
        if (message.content) system.push({ text: message.content });
        return;
      case "user":
        push("user", [...textBlocks(message), ...(message.images ?? []).map((image, i) => imageBlock(image, `messages[${index}].images[${i}]`))]);
        return;
      case "assistant":
        push("assistant", [...textBlocks(message), ...(message.toolCalls ?? []).map((call) => toolUseBlock(call, index))]);
        return;
      case "tool":
        push("user", [{ toolResult: { toolUseId: message.toolCallId ?? "", content: [{ text: message.content ?? "" }] } }]);
        return;
    }
  });
  const toolConfig = toToolConfig(request.tools, request.toolChoice);
  return {
    modelId: request.model,
    messages,
    ...(system.length > 0 ? { system } : {}),
    inferenceConfig: {
      maxTokens: request.maxTokens ?? defaultMaxTokens,
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.topP !== undefined ? { topP: request.topP } : {}),
      ...(request.stop !== undefined && request.stop.length > 0 ? { stopSequences: request.stop } : {}),
    },
    ...(toolConfig ? { toolConfig } : {}),
  };
}

// Converse rejects empty text blocks, so an assistant turn that only calls tools carries no text block.
function textBlocks(message: ChatMessage): ContentBlock[] {
  return message.content ? [{ text: message.content }] : [];
}

function imageBlock(image: ImageInput, param: string): ContentBlock {
  const format = imageFormats[image.mediaType.toLowerCase()];
  if (format === undefined) {
    throw new GatewayError("invalid_request", `Bedrock takes png, jpeg, gif or webp images, not ${image.mediaType}`, { param, status: 415 });
  }
  return { image: { format, source: { bytes: Buffer.from(image.data, "base64") } } };
}

function toolUseBlock(call: ToolCall, index: number): ContentBlock {
  let input: unknown;
  try {
    input = call.function.arguments.trim() === "" ? {} : JSON.parse(call.function.arguments);
  } catch (error) {
    throw new GatewayError("invalid_request", `the arguments of tool call ${call.id} are not JSON`, { param: `messages[${index}].tool_calls`, cause: error });
  }
  // The SDK types a JSON document loosely; any parsed JSON value is one.
  return { toolUse: { toolUseId: call.id, name: call.function.name, input: input as Record<string, never> } };
}

function toToolConfig(tools: ToolDefinition[] | undefined, choice: unknown): ToolConfiguration | undefined {
  if (tools === undefined || tools.length === 0 || choice === "none") return undefined;
  const specs: Tool[] = tools.map((tool) => ({
    toolSpec: {
      name: tool.function.name,
      ...(tool.function.description !== undefined ? { description: tool.function.description } : {}),
      inputSchema: { json: (tool.function.parameters ?? { type: "object", properties: {} }) as Record<string, never> },
    },
  }));
  const toolChoice = toToolChoice(choice);
  return { tools: specs, ...(toolChoice ? { toolChoice } : {}) };
}

/** OpenAI's tool_choice: "auto" | "required" | {type: "function", function: {name}}. */
function toToolChoice(choice: unknown): ToolChoice | undefined {
  if (choice === undefined || choice === null || choice === "auto") return { auto: {} };
  if (choice === "required") return { any: {} };
  if (typeof choice === "object" && "function" in choice) {
    const fn = (choice as { function?: { name?: unknown } }).function;
    if (typeof fn?.name === "string") return { tool: { name: fn.name } };
  }
  throw new GatewayError("invalid_request", "tool_choice must be none, auto, required or a named function", { param: "tool_choice" });
}
