import type { ChatMessage, ChatRequest } from "../spec.js";

/**
 * The upstream request body in OpenAI's snake_case. A streamed call always asks for usage in the stream (a whole
 * answer carries it anyway), so every call is metered.
 */
export function toOpenAIRequest(request: ChatRequest, stream = true): Record<string, unknown> {
  // `extra` goes first so the fields the gateway owns always win over it.
  const body: Record<string, unknown> = request.extra ? { ...request.extra } : {};
  body.model = request.model;
  body.messages = request.messages.map(toOpenAIMessage);
  body.stream = stream;
  if (stream) {
    const extraStreamOptions = body.stream_options;
    body.stream_options =
      typeof extraStreamOptions === "object" && extraStreamOptions !== null && !Array.isArray(extraStreamOptions)
        ? { ...extraStreamOptions, include_usage: true }
        : { include_usage: true };
  } else {
    // Only valid on a streamed call: OpenAI refuses it otherwise.
    delete body.stream_options;
  }
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stop !== undefined) body.stop = request.stop;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.tools !== undefined) body.tools = request.tools;
  if (request.toolChoice !== undefined) body.tool_choice = request.toolChoice;
  return body;
}

function toOpenAIMessage(message: ChatMessage): Record<string, unknown> {
  const wire: Record<string, unknown> = { role: message.role, content: message.images?.length ? contentParts(message) : message.content };
  if (message.name !== undefined) wire.name = message.name;
  if (message.toolCalls !== undefined && message.toolCalls.length > 0) wire.tool_calls = message.toolCalls;
  if (message.toolCallId !== undefined) wire.tool_call_id = message.toolCallId;
  return wire;
}

/** Text and images as OpenAI's content parts, the images as data URLs. */
function contentParts(message: ChatMessage): Array<Record<string, unknown>> {
  const parts: Array<Record<string, unknown>> = [];
  if (message.content) parts.push({ type: "text", text: message.content });
  for (const image of message.images ?? []) parts.push({ type: "image_url", image_url: { url: `data:${image.mediaType};base64,${image.data}` } });
  return parts;
}
