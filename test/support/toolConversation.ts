/**
 * Scripts for the mock upstream that hold a tool conversation the way a model does: ask for tool calls while the
 * request carries no result for them, and answer with text once it does. The messages the upstream received
 * are read back through `toolMessagesOf` and `assistantCallsOf`.
 */
import type { MockScript, MockToolCall, RecordedRequest } from "./mockUpstream.js";

export interface WireMessage {
  role: string;
  content: string | null;
  tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

export function messagesOf(request: RecordedRequest | undefined): WireMessage[] {
  return (request?.body.messages ?? []) as WireMessage[];
}

/** The `tool` messages of a request, in order. */
export function toolMessagesOf(request: RecordedRequest | undefined): WireMessage[] {
  return messagesOf(request).filter((message) => message.role === "tool");
}

/** The tool calls of the request's assistant messages, in order. */
export function assistantCallsOf(request: RecordedRequest | undefined): Array<{ id: string; name: string; arguments: string }> {
  return messagesOf(request).flatMap((message) => (message.tool_calls ?? []).map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments })));
}

/** The names of the tools a request offered. */
export function offeredToolsOf(request: RecordedRequest | undefined): string[] {
  const tools = (request?.body.tools ?? []) as Array<{ function: { name: string } }>;
  return tools.map((tool) => tool.function.name);
}

/**
 * Asks for `calls` until the request holds a result for each of them, then answers with `answer(results)`
 * (the tool messages, by call id).
 */
export function toolConversation(calls: MockToolCall[], answer: (results: Map<string, string>) => MockScript): (request: RecordedRequest) => MockScript {
  return (request) => {
    const results = new Map(toolMessagesOf(request).map((message) => [message.tool_call_id ?? "", message.content ?? ""]));
    if (calls.every((call) => results.has(call.id))) return answer(results);
    return { toolCalls: calls, usage: { prompt_tokens: 10, completion_tokens: 3 } };
  };
}

/** A model that asks for a new call every time, whatever the request holds. */
export function alwaysCalling(name: string, args: string): (request: RecordedRequest) => MockScript {
  let n = 0;
  return () => ({ toolCalls: [{ id: `call_loop_${++n}`, name, arguments: args }], usage: { prompt_tokens: 10, completion_tokens: 3 } });
}
