import type { ChatHistoryItem } from "node-llama-cpp";
import type { ChatMessage } from "../spec.js";

/**
 * The gateway's messages in node-llama-cpp's history format, which the model's chat template renders.
 * node-llama-cpp has no tool role; tool results become user turns so their content still reaches the model.
 */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  return messages.map((message): ChatHistoryItem => {
    const text = message.content ?? "";
    switch (message.role) {
      case "system":
        return { type: "system", text };
      case "user":
        return { type: "user", text };
      case "assistant":
        return { type: "model", response: text === "" ? [] : [text] };
      case "tool":
        return { type: "user", text: `Tool result${message.name ? ` (${message.name})` : ""}:\n${text}` };
    }
  });
}
