/** A collected answer (live or from the cache) as Anthropic's `message` object. */
import type { CollectedResponse } from "../../engines/createResponseAccumulator.js";
import { randomHex } from "../../observability/randomHex.js";
import { anthropicUsage } from "./anthropicUsage.js";
import { stopReasonOf } from "./stopReasonOf.js";
import { toolInputOf } from "./toolInputOf.js";

/** A fresh `msg_…` id: every response has its own, a replayed answer too. */
export function messageId(): string {
  return `msg_${randomHex(12)}`;
}

/** For a tool call whose engine gave it no id: Anthropic's clients send the id back with the result. */
export function toolUseId(): string {
  return `toolu_${randomHex(12)}`;
}

export function messageOf(id: string, model: string, collected: CollectedResponse): Record<string, unknown> {
  const content: Array<Record<string, unknown>> = [];
  if (collected.text !== "") content.push({ type: "text", text: collected.text });
  for (const call of collected.toolCalls) {
    content.push({ type: "tool_use", id: call.id === "" ? toolUseId() : call.id, name: call.function.name, input: toolInputOf(call.function.arguments) });
  }
  return {
    id,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: stopReasonOf(collected.finishReason),
    stop_sequence: null,
    usage: anthropicUsage(collected.usage),
  };
}
