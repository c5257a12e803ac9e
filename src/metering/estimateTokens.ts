/**
 * A rough token count for text the engine has not counted (yet): about four UTF-8 bytes per token, plus a few
 * tokens of framing per message. Bytes rather than characters: for English they are the same, and for scripts
 * that take a token or more per character (CJK, emoji) characters/4 would reserve far too little. Used to
 * reserve a budget before the call and to charge a stream that was cut before the engine reported its usage.
 */
import type { ChatMessage, ToolDefinition } from "../engines/spec.js";

const BYTES_PER_TOKEN = 4;
const TOKENS_PER_MESSAGE = 4;
// What a full-size image costs on the hosted vision models (Anthropic caps an image near 1,600 tokens): the
// reservation assumes the worst, since the pixels are not decoded here.
const TOKENS_PER_IMAGE = 1600;

export function estimateTokens(bytes: number): number {
  return Math.ceil(Math.max(0, bytes) / BYTES_PER_TOKEN);
}

/** Tool definitions are sent to the model too, so their JSON counts as prompt. */
export function estimatePromptTokens(messages: readonly ChatMessage[], tools?: readonly ToolDefinition[]): number {
  let bytes = tools === undefined || tools.length === 0 ? 0 : Buffer.byteLength(JSON.stringify(tools));
  for (const message of messages) {
    bytes += Buffer.byteLength(message.content ?? "");
    if (message.images !== undefined) bytes += message.images.length * TOKENS_PER_IMAGE * BYTES_PER_TOKEN;
    for (const call of message.toolCalls ?? []) bytes += Buffer.byteLength(call.function.name) + Buffer.byteLength(call.function.arguments);
  }
  return estimateTokens(bytes) + TOKENS_PER_MESSAGE * messages.length;
}

/** The UTF-8 size of a response's text and tool calls, for estimating its output tokens. */
export function outputBytesOf(response: { text: string; toolCalls: ReadonlyArray<{ function: { name: string; arguments: string } }> }): number {
  let bytes = Buffer.byteLength(response.text);
  for (const call of response.toolCalls) bytes += Buffer.byteLength(call.function.name) + Buffer.byteLength(call.function.arguments);
  return bytes;
}
