/**
 * A ChatRequest as a Gemini `generateContent` body. Gemini has one system instruction, two roles (`user`,
 * `model`) that must alternate, function calls without ids and function responses matched to calls by name.
 */
import { GatewayError } from "../../errors.js";
import { isRecord } from "../../isRecord.js";
import type { ChatMessage, ChatRequest, ToolDefinition } from "../spec.js";

export type GeminiPart =
  | { text: string }
  | { inlineData: { mimeType: string; data: string } }
  | { functionCall: { name: string; args: Record<string, unknown> } }
  | { functionResponse: { name: string; response: { result: unknown } } };

export interface GeminiContent {
  role: "user" | "model";
  parts: GeminiPart[];
}

export interface GeminiRequest {
  contents: GeminiContent[];
  systemInstruction?: { parts: Array<{ text: string }> };
  tools?: Array<{ functionDeclarations: Array<{ name: string; description?: string; parameters?: Record<string, unknown> }> }>;
  toolConfig?: { functionCallingConfig: { mode: "AUTO" | "ANY" | "NONE"; allowedFunctionNames?: string[] } };
  generationConfig?: {
    maxOutputTokens?: number;
    temperature?: number;
    topP?: number;
    topK?: number;
    stopSequences?: string[];
    seed?: number;
  };
}

export function toGeminiRequest(request: ChatRequest): GeminiRequest {
  const system: Array<{ text: string }> = [];
  const contents: GeminiContent[] = [];
  // Gemini answers a function by name, OpenAI by call id: remember which name each id called.
  const nameOfCall = new Map<string, string>();

  request.messages.forEach((message, index) => {
    switch (message.role) {
      case "system":
        // Gemini has one system instruction wherever OpenAI's system messages stood.
        if (message.content) system.push({ text: message.content });
        return;
      case "user":
        append(contents, "user", [
          ...(message.content ? [{ text: message.content }] : []),
          ...(message.images ?? []).map((image) => ({ inlineData: { mimeType: image.mediaType, data: image.data } })),
        ]);
        return;
      case "assistant": {
        const parts: GeminiPart[] = message.content ? [{ text: message.content }] : [];
        for (const call of message.toolCalls ?? []) {
          nameOfCall.set(call.id, call.function.name);
          parts.push({ functionCall: { name: call.function.name, args: parseArguments(call.function.arguments, index) } });
        }
        append(contents, "model", parts);
        return;
      }
      case "tool":
        append(contents, "user", [{ functionResponse: { name: functionNameOf(message, nameOfCall, index), response: { result: parseResult(message.content) } } }]);
        return;
    }
  });

  const body: GeminiRequest = { contents };
  if (system.length > 0) body.systemInstruction = { parts: system };
  if (request.tools && request.tools.length > 0) body.tools = [{ functionDeclarations: request.tools.map(toDeclaration) }];
  const toolConfig = toToolConfig(request.toolChoice);
  if (toolConfig) body.toolConfig = toolConfig;
  const generationConfig = toGenerationConfig(request);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  return body;
}

/** Gemini refuses two turns of one role in a row (tool results followed by a user message are one turn). */
function append(contents: GeminiContent[], role: GeminiContent["role"], parts: GeminiPart[]): void {
  // A turn without parts is refused too; an empty message carries nothing to keep.
  if (parts.length === 0) return;
  const last = contents.at(-1);
  if (last?.role === role) last.parts.push(...parts);
  else contents.push({ role, parts });
}

function parseArguments(text: string, index: number): Record<string, unknown> {
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new GatewayError("invalid_request", "a tool call's arguments are not valid JSON", { param: `messages[${index}].tool_calls`, retryable: false });
  }
  // Gemini's args is a protobuf Struct: only an object fits.
  if (!isRecord(parsed)) {
    throw new GatewayError("invalid_request", "a tool call's arguments must be a JSON object", { param: `messages[${index}].tool_calls`, retryable: false });
  }
  return parsed;
}

function functionNameOf(message: ChatMessage, nameOfCall: ReadonlyMap<string, string>, index: number): string {
  const name = (message.toolCallId === undefined ? undefined : nameOfCall.get(message.toolCallId)) ?? message.name;
  if (name === undefined) {
    throw new GatewayError("invalid_request", "a tool message answers no earlier assistant tool call (unknown tool_call_id)", {
      param: `messages[${index}].tool_call_id`,
      retryable: false,
    });
  }
  return name;
}

/** Tools usually answer JSON; what does not parse is passed on as the text it is. */
function parseResult(content: string | null): unknown {
  const text = content ?? "";
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function toDeclaration(tool: ToolDefinition): { name: string; description?: string; parameters?: Record<string, unknown> } {
  const { name, description, parameters } = tool.function;
  return { name, ...(description === undefined ? {} : { description }), ...(parameters === undefined ? {} : { parameters }) };
}

function toToolConfig(choice: unknown): GeminiRequest["toolConfig"] {
  if (choice === undefined || choice === null) return undefined;
  if (choice === "auto") return { functionCallingConfig: { mode: "AUTO" } };
  if (choice === "required") return { functionCallingConfig: { mode: "ANY" } };
  if (choice === "none") return { functionCallingConfig: { mode: "NONE" } };
  if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === "string") {
    return { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [choice.function.name] } };
  }
  throw new GatewayError("invalid_request", "tool_choice must be auto, required, none or a function", { param: "tool_choice", retryable: false });
}

function toGenerationConfig(request: ChatRequest): NonNullable<GeminiRequest["generationConfig"]> {
  const config: NonNullable<GeminiRequest["generationConfig"]> = {};
  if (request.maxTokens !== undefined) config.maxOutputTokens = request.maxTokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  const topK = request.extra?.top_k;
  if (typeof topK === "number") config.topK = topK;
  if (request.stop && request.stop.length > 0) config.stopSequences = request.stop;
  if (request.seed !== undefined) config.seed = request.seed;
  return config;
}
