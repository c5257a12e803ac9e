/**
 * What the server-tool loop does with one engine answer. A call is the gateway's when it names one of the server
 * tools offered, and the client's otherwise. An answer without a server call goes to the client as the model gave
 * it. One with server calls is run (with every call of it, the client's too, given an id) and the loop calls the
 * engine again — unless this was the last engine call the loop may make (tools.maxSteps): then the client gets
 * the answer without the server calls, which it could not run, and, when none of its own remain, finish reason
 * `length`, as an answer cut short by a limit.
 */
import type { CollectedResponse } from "../engines/createResponseAccumulator.js";
import type { ToolCall } from "../engines/spec.js";
import { withCallIds } from "../tools/withCallIds.js";

export type ToolStep = { kind: "answer"; response: CollectedResponse } | { kind: "run"; calls: ToolCall[] };

export function nextToolStep(response: CollectedResponse, serverTools: ReadonlyMap<string, unknown>, last: boolean): ToolStep {
  const isServerCall = (call: ToolCall) => serverTools.has(call.function.name);
  if (!response.toolCalls.some(isServerCall)) return { kind: "answer", response };
  if (!last) return { kind: "run", calls: withCallIds(response.toolCalls) };
  const clientCalls = response.toolCalls.filter((call) => !isServerCall(call));
  return { kind: "answer", response: { ...response, toolCalls: clientCalls, finishReason: clientCalls.length > 0 ? response.finishReason : "length" } };
}
