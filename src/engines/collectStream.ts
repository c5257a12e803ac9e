import type { FinishReason, StreamPart, ToolCall, Usage } from "./spec.js";

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
      case "tool-call-delta": {
        const call = calls.get(part.index) ?? { id: "", type: "function", function: { name: "", arguments: "" } };
        if (part.id) call.id = part.id;
        if (part.name) call.function.name += part.name;
        if (part.argumentsDelta) call.function.arguments += part.argumentsDelta;
        calls.set(part.index, call);
        break;
      }
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
  const toolCalls = [...calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
  return { text, toolCalls, finishReason, usage };
}
