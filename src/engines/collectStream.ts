import type { FinishReason, StreamPart, ToolCall, Usage } from "./spec.js";
import { mergeToolCallDelta, orderedToolCalls } from "./mergeToolCallDelta.js";

export interface CollectedResponse {
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason | undefined;
  usage: Usage | undefined;
}

/** A non-streaming call is the stream collected: text joined, tool-call deltas merged by index. */
export async function collectStream(parts: AsyncIterable<StreamPart>): Promise<CollectedResponse> {
  let text = "";
  const calls = new Map<number, ToolCall>();
  let finishReason: FinishReason | undefined;
  let usage: Usage | undefined;
  for await (const part of parts) {
    switch (part.type) {
      case "text-delta":
        text += part.text;
        break;
      case "tool-call-delta":
        mergeToolCallDelta(calls, part);
        break;
      case "usage":
        usage = part.usage;
        break;
      case "finish":
        finishReason = part.reason;
        break;
      case "error":
        throw part.error;
    }
  }
  const toolCalls = orderedToolCalls(calls);
  return { text, toolCalls, finishReason, usage };
}
