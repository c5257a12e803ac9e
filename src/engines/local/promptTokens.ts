import type { ChatHistoryItem, ChatWrapper, Token, Tokenizer } from "node-llama-cpp";

/**
 * The tokens LlamaChat evaluates before generating an answer to this history: the chat template's rendering,
 * with an empty model turn appended when the history does not already end in one (as LlamaChat does).
 */
export function promptTokens(chatWrapper: ChatWrapper, tokenizer: Tokenizer, history: readonly ChatHistoryItem[]): Token[] {
  const chatHistory: readonly ChatHistoryItem[] =
    history.at(-1)?.type === "model" ? history : [...history, { type: "model", response: [] }];
  return chatWrapper.generateContextState({ chatHistory }).contextText.tokenize(tokenizer);
}
