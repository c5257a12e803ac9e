import type { StreamPart } from "../spec.js";
import { toFinishReason, toUsage, type OpenAIUsage } from "./translateChunk.js";

interface OpenAICompletion {
  choices?: Array<{
    index?: number;
    message?: {
      content?: string | null;
      tool_calls?: Array<{ id?: string; function?: { name?: string; arguments?: string } }> | null;
    } | null;
    finish_reason?: string | null;
  }> | null;
  usage?: OpenAIUsage | null;
}

/**
 * Parts for an upstream that ignored `stream: true` and answered with one `chat.completion` object. Undefined
 * when the body is not one.
 */
export function completionToParts(body: string): StreamPart[] | undefined {
  let completion: OpenAICompletion;
  try {
    completion = JSON.parse(body) as OpenAICompletion;
  } catch {
    return undefined;
  }
  if (typeof completion !== "object" || completion === null || !Array.isArray(completion.choices)) return undefined;
  const choice = completion.choices.find((candidate) => (candidate.index ?? 0) === 0);
  if (!choice) return undefined;
  const parts: StreamPart[] = [];
  const message = choice.message;
  if (message) {
    if (typeof message.content === "string" && message.content.length > 0) parts.push({ type: "text-delta", text: message.content });
    if (Array.isArray(message.tool_calls)) {
      message.tool_calls.forEach((call, index) => {
        parts.push({
          type: "tool-call-delta",
          index,
          ...(call.id ? { id: call.id } : {}),
          ...(call.function?.name ? { name: call.function.name } : {}),
          ...(call.function?.arguments ? { argumentsDelta: call.function.arguments } : {}),
        });
      });
    }
  }
  parts.push({ type: "finish", reason: toFinishReason(choice.finish_reason ?? "stop") });
  if (completion.usage) parts.push({ type: "usage", usage: toUsage(completion.usage) });
  return parts;
}
