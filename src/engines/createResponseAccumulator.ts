import type { FinishReason, StreamPart, ToolCall, Usage } from "./spec.js";

export interface CollectedResponse {
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason | undefined;
  usage: Usage | undefined;
}

export interface ResponseAccumulator {
  /** Folds one part in; an in-band `error` part is thrown, since it ends the response. */
  add(part: StreamPart): void;
  /** What the parts so far add up to (also meaningful for a response cut short). */
  result(): CollectedResponse;
}

/** Joins text deltas and merges tool-call deltas by index: the id and name come once, the arguments in pieces. */
export function createResponseAccumulator(): ResponseAccumulator {
  let text = "";
  const calls = new Map<number, ToolCall>();
  let finishReason: FinishReason | undefined;
  let usage: Usage | undefined;
  return {
    add(part) {
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
    },
    result() {
      const toolCalls = [...calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
      return { text, toolCalls, finishReason, usage };
    },
  };
}
