import type { StreamPart, ToolCall } from "./spec.js";

type ToolCallDelta = Extract<StreamPart, { type: "tool-call-delta" }>;

/** Tool calls arrive as deltas keyed by index: the id and name once, the arguments in pieces. */
export function mergeToolCallDelta(calls: Map<number, ToolCall>, delta: ToolCallDelta): void {
  const call = calls.get(delta.index) ?? { id: "", type: "function", function: { name: "", arguments: "" } };
  if (delta.id) call.id = delta.id;
  if (delta.name) call.function.name += delta.name;
  if (delta.argumentsDelta) call.function.arguments += delta.argumentsDelta;
  calls.set(delta.index, call);
}

export function orderedToolCalls(calls: Map<number, ToolCall>): ToolCall[] {
  return [...calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
}
