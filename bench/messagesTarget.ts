import type { ChatTarget } from "./chatTarget.js";

/** The same gateway, model and credential as a chat target, on Anthropic's /v1/messages (max_tokens is required there). */
export function messagesTarget(chat: ChatTarget): ChatTarget {
  const { model } = JSON.parse(chat.plainBody) as { model: string };
  const request = { model, max_tokens: 32, messages: [{ role: "user", content: "Say hello." }] };
  return { ...chat, path: "/v1/messages", plainBody: JSON.stringify(request), streamBody: JSON.stringify({ ...request, stream: true }) };
}
