import type { ChatMessage } from "../engines/spec.js";
import type { Message } from "../store/messages.js";

/**
 * The context sent to the engine: the request's system prompt, then the stored history (failed or aborted
 * assistant turns left out: they were never seen as answers), then the new user message.
 */
export function buildPrompt(history: readonly Message[], message: string, system?: string): ChatMessage[] {
  const prompt: ChatMessage[] = [];
  if (system) prompt.push({ role: "system", content: system });
  for (const item of history) {
    if (item.role === "assistant" && item.status !== "complete") continue;
    const entry: ChatMessage = { role: item.role, content: item.content };
    if (item.toolCalls) entry.toolCalls = item.toolCalls;
    if (item.toolCallId) entry.toolCallId = item.toolCallId;
    prompt.push(entry);
  }
  prompt.push({ role: "user", content: message });
  return prompt;
}
