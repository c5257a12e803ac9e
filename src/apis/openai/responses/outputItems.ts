/** The output items a response holds (an assistant message with one output_text part, a function call), as the API spells them. */

export type ItemStatus = "in_progress" | "completed" | "incomplete";

export function outputText(text: string): Record<string, unknown> {
  return { type: "output_text", annotations: [], logprobs: [], text };
}

/** `text` undefined: the item as it opens, before its part does. */
export function messageItem(id: string, text: string | undefined, status: ItemStatus): Record<string, unknown> {
  return { id, type: "message", status, role: "assistant", content: text === undefined ? [] : [outputText(text)] };
}

export function functionCallItem(id: string, callId: string, name: string, args: string, status: ItemStatus): Record<string, unknown> {
  return { id, type: "function_call", status, call_id: callId, name, arguments: args };
}
