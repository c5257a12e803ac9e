import { GatewayError } from "../../errors.js";
import type { StreamPart } from "../spec.js";
import { toFinishReason, toUsage, type OpenAIUsage } from "./translateChunk.js";

interface OpenAICompletion {
  choices?: Array<{
    index?: number;
    message?: {
      content?: string | null;
      tool_calls?: Array<{ id?: string; function?: { name?: string; arguments?: string } } | null> | null;
    } | null;
    finish_reason?: string | null;
  }> | null;
  usage?: OpenAIUsage | null;
}

/**
 * Parts for one `chat.completion` object: a whole answer asked for, or an upstream that ignored `stream: true`. Nothing has
 * reached the client when this runs, so its failures are retryable: another attempt may get a proper answer.
 */
export function completionToParts(body: string): StreamPart[] {
  let completion: OpenAICompletion;
  try {
    completion = JSON.parse(body) as OpenAICompletion;
  } catch (error) {
    throw notACompletion(error);
  }
  if (typeof completion !== "object" || completion === null || !Array.isArray(completion.choices)) throw notACompletion();
  const choice = completion.choices.find((candidate) => typeof candidate === "object" && candidate !== null && (candidate.index ?? 0) === 0);
  if (!choice) throw notACompletion();
  const reason = choice.finish_reason;
  // Without a finish reason the answer may be cut short; passing it on as complete would be a silent truncation.
  if (typeof reason !== "string" || reason.length === 0) {
    throw new GatewayError("upstream_error", "upstream answered without a finish reason", { retryable: true });
  }
  const parts: StreamPart[] = [];
  const message = choice.message;
  if (typeof message === "object" && message !== null) {
    if (typeof message.content === "string" && message.content.length > 0) parts.push({ type: "text-delta", text: message.content });
    if (Array.isArray(message.tool_calls)) {
      message.tool_calls.forEach((call, index) => {
        parts.push({
          type: "tool-call-delta",
          index,
          ...(call?.id ? { id: call.id } : {}),
          ...(call?.function?.name ? { name: call.function.name } : {}),
          ...(call?.function?.arguments ? { argumentsDelta: call.function.arguments } : {}),
        });
      });
    }
  }
  parts.push({ type: "finish", reason: toFinishReason(reason) });
  if (typeof completion.usage === "object" && completion.usage !== null) parts.push({ type: "usage", usage: toUsage(completion.usage) });
  return parts;
}

function notACompletion(cause?: unknown): GatewayError {
  return new GatewayError("upstream_error", "upstream answered with neither an event stream nor a completion", {
    retryable: true,
    ...(cause === undefined ? {} : { cause }),
  });
}
