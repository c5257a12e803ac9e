/**
 * An answer's tool calls with an id each: calls without one (some engines stream none), or repeating one, get their
 * own here, so each tool result answers exactly one call.
 */
import { randomUUID } from "node:crypto";
import type { ToolCall } from "../engines/spec.js";

export function withCallIds(calls: readonly ToolCall[]): ToolCall[] {
  const seen = new Set<string>();
  return calls.map((call) => {
    const unique = call.id !== "" && !seen.has(call.id);
    seen.add(call.id);
    return unique ? call : { ...call, id: `call_${randomUUID().replaceAll("-", "")}` };
  });
}
