/**
 * One logged exchange made storable: the request and the answer scrubbed of credentials (the log scrubber, so a
 * prompt keeps out of the store what a log line keeps out of stdout) and cut to `maxChars` each. Strings are
 * scrubbed one by one inside the JSON, so the scrubbed request is still valid JSON; images are left out (a data
 * URL's base64 would fill maxChars and tell a reader nothing).
 */
import { uuidV7 } from "./uuidV7.js";
import type { ChatRequest, ImageInput, ToolCall } from "../engines/spec.js";
import type { RequestBodyRecord } from "../store/requestBodies.js";
import type { Scrubber } from "./createScrubber.js";

export interface LoggedExchange {
  requestId: string;
  /** Epoch ms when the exchange ended. */
  at: number;
  /** What the client asked for (a route, `engine/model`, `auto`). */
  model: string;
  request: Omit<ChatRequest, "model">;
  /** What the client was sent; absent when the request failed before any answer. */
  answer?: { text: string; toolCalls: readonly ToolCall[] } | undefined;
}

export function toRequestBodyRecord(exchange: LoggedExchange, scrub: Scrubber, maxChars: number): RequestBodyRecord {
  const replacer = (key: string, value: unknown): unknown => {
    if (typeof value === "string") return scrub(value);
    if (key === "images" && Array.isArray(value)) return (value as ImageInput[]).map(omittedImage);
    return value;
  };
  const request = cut(JSON.stringify({ model: exchange.model, ...exchange.request }, replacer), maxChars);
  const answer = cut(scrub(exchange.answer?.text ?? ""), maxChars);
  let truncated = request.cut || answer.cut;
  const calls = (exchange.answer?.toolCalls ?? []).map((call) => {
    const args = cut(scrub(call.function.arguments), maxChars);
    truncated ||= args.cut;
    return { id: call.id, type: call.type, function: { name: scrub(call.function.name), arguments: args.text } };
  });
  return {
    id: uuidV7(),
    requestId: exchange.requestId,
    createdAt: exchange.at,
    request: request.text,
    answer: answer.text,
    toolCalls: calls.length === 0 ? null : JSON.stringify(calls),
    truncated,
  };
}

function omittedImage(image: ImageInput): { mediaType: string; data: string } {
  return { mediaType: image.mediaType, data: `[omitted: ${image.data.length} base64 characters]` };
}

/** The first `max` characters, never ending in half of a surrogate pair. */
function cut(text: string, max: number): { text: string; cut: boolean } {
  if (text.length <= max) return { text, cut: false };
  const code = text.charCodeAt(max - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
  return { text: text.slice(0, end), cut: true };
}
