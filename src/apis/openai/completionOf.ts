import type { CollectedResponse } from "../../engines/createResponseAccumulator.js";
import { randomHex } from "../../observability/randomHex.js";
import { toOpenAIUsage } from "./toOpenAIUsage.js";

/** A fresh `chatcmpl-…` id: every response has its own, a replayed answer too. */
export function completionId(): string {
  return `chatcmpl-${randomHex(12)}`;
}

/** A collected answer (live or from the cache) as OpenAI's `chat.completion`. */
export function completionOf(id: string, created: number, model: string, collected: CollectedResponse): Record<string, unknown> {
  const message: Record<string, unknown> = { role: "assistant", content: collected.text, refusal: null };
  if (collected.toolCalls.length > 0) {
    message.tool_calls = collected.toolCalls;
    if (collected.text === "") message.content = null;
  }
  return {
    id,
    object: "chat.completion",
    created,
    model,
    system_fingerprint: null,
    choices: [{ index: 0, message, logprobs: null, finish_reason: collected.finishReason ?? "stop" }],
    ...(collected.usage ? { usage: toOpenAIUsage(collected.usage) } : {}),
  };
}
