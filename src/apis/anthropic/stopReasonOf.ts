import type { FinishReason } from "../../engines/spec.js";

export type StopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "refusal";

/**
 * Chat engines say `stop` both for a natural end and for a stop sequence met; with no way to tell them apart,
 * both are `end_turn` (stop_sequence stays null). A filtered answer is Anthropic's `refusal`.
 */
export function stopReasonOf(reason: FinishReason | undefined): StopReason {
  switch (reason) {
    case "length":
      return "max_tokens";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "content_filter":
      return "refusal";
    case "stop":
    case undefined:
      return "end_turn";
  }
}
