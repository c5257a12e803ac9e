/**
 * An OpenAI chat completion request answered whole through the pipeline, outside HTTP: what a queued chat job
 * runs, so it is limited, billed and cached exactly like a direct request.
 */
import type { ChatCompletions } from "../../completions/createChatCompletions.js";
import type { CompletionContext } from "../../completions/completionContext.js";
import type { ChatCompletionBody } from "./chatCompletionSchema.js";
import { completionId, completionOf } from "./completionOf.js";
import { toChatRequest } from "./toChatRequest.js";

export async function completeChatCompletion(completions: ChatCompletions, context: CompletionContext, body: ChatCompletionBody): Promise<Record<string, unknown>> {
  const answer = await completions.complete(context, { model: body.model, request: toChatRequest(body) });
  return completionOf(completionId(), Math.floor(Date.now() / 1000), answer.model, answer.response);
}
