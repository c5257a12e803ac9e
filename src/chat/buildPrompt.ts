import type { ChatMessage } from "../engines/spec.js";
import type { Message } from "../store/messages.js";

/**
 * The context sent to the engine: the request's system prompt, then the stored history (failed or aborted
 * assistant turns left out: they were never seen as answers), then the new user message.
 *
 * Tool exchanges go in only whole, as engines require: an assistant's tool calls only with a result for each of
 * them in the window (else its text alone, if it has any), and a tool result only after the call it answers. The
 * window's edge can cut an exchange, and a turn that ended early (the client left while tools ran, `max_steps`)
 * leaves calls without results.
 */
export function buildPrompt(history: readonly Message[], message: string, system?: string): ChatMessage[] {
  const prompt: ChatMessage[] = [];
  if (system) prompt.push({ role: "system", content: system });
  const included = history.filter((item) => !(item.role === "assistant" && item.status !== "complete"));
  const answered = new Set(included.flatMap((item) => (item.role === "tool" && item.toolCallId ? [item.toolCallId] : [])));
  const called = new Set<string>();
  for (const item of included) {
    if (item.role === "tool") {
      if (item.toolCallId && called.has(item.toolCallId)) prompt.push({ role: "tool", content: item.content, toolCallId: item.toolCallId });
      continue;
    }
    const calls = item.toolCalls ?? [];
    if (calls.length > 0 && calls.every((call) => answered.has(call.id))) {
      for (const call of calls) called.add(call.id);
      prompt.push({ role: item.role, content: item.content === "" ? null : item.content, toolCalls: calls });
      continue;
    }
    if (calls.length > 0 && item.content === "") continue;
    prompt.push({ role: item.role, content: item.content });
  }
  prompt.push({ role: "user", content: message });
  return prompt;
}
