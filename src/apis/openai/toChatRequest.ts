import type { ChatMessage, ChatRequest, ImageInput } from "../../engines/spec.js";
import { GatewayError } from "../../errors.js";
import { imageFromDataUrl } from "../imageFromDataUrl.js";
import type { ChatCompletionBody } from "./chatCompletionSchema.js";

const interpreted = new Set([
  "model", "messages", "stream", "stream_options", "max_tokens", "max_completion_tokens", "temperature", "top_p", "n",
  "seed", "stop", "tools", "tool_choice",
]);

/** OpenAI's wire request → the engine contract. `model` is filled in once the target engine is known. */
export function toChatRequest(body: ChatCompletionBody): Omit<ChatRequest, "model"> {
  if (typeof body.n === "number" && body.n > 1) {
    throw new GatewayError("invalid_request", "n > 1 is not supported; send separate requests", { param: "n" });
  }
  const request: Omit<ChatRequest, "model"> = { messages: body.messages.map(toChatMessage) };
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) request.maxTokens = maxTokens;
  if (body.temperature != null) request.temperature = body.temperature;
  if (body.top_p != null) request.topP = body.top_p;
  if (body.seed != null) request.seed = body.seed;
  if (body.stop != null) request.stop = typeof body.stop === "string" ? [body.stop] : body.stop;
  if (body.tools && body.tools.length > 0) request.tools = body.tools;
  if (body.tool_choice !== undefined) request.toolChoice = body.tool_choice;
  let extra: Record<string, unknown> | undefined;
  for (const key of Object.keys(body)) {
    if (interpreted.has(key)) continue;
    extra ??= {};
    extra[key] = body[key];
  }
  if (extra) request.extra = extra;
  return request;
}

function toChatMessage(message: ChatCompletionBody["messages"][number], index: number): ChatMessage {
  const { text, images } = contentOf(message.content, index);
  const out: ChatMessage = { role: message.role === "developer" ? "system" : message.role, content: text };
  if (images.length > 0) {
    if (message.role !== "user") throw new GatewayError("invalid_request", "image parts belong to user messages", { param: `messages[${index}].content` });
    out.images = images;
  }
  if (message.name !== undefined) out.name = message.name;
  if (message.tool_calls) out.toolCalls = message.tool_calls;
  if (message.tool_call_id !== undefined) out.toolCallId = message.tool_call_id;
  return out;
}

function contentOf(content: ChatCompletionBody["messages"][number]["content"], index: number): { text: string | null; images: ImageInput[] } {
  if (content === undefined || content === null || typeof content === "string") return { text: content ?? null, images: [] };
  const images: ImageInput[] = [];
  const texts: string[] = [];
  content.forEach((part, partIndex) => {
    const param = `messages[${index}].content[${partIndex}]`;
    if (part.type === "text" && typeof part.text === "string") {
      texts.push(part.text);
      return;
    }
    if (part.type === "image_url" && part.image_url !== undefined) {
      const image = imageFromDataUrl(part.image_url.url);
      if (image === undefined) {
        throw new GatewayError("invalid_request", "send images as base64 data URLs (data:image/png;base64,…); other URLs are not fetched", { param });
      }
      images.push(image);
      return;
    }
    throw new GatewayError("invalid_request", `content part type "${part.type}" is not supported; send text or image_url parts`, { param });
  });
  return { text: texts.join(""), images };
}
