/**
 * The contract's usage in Anthropic's terms. Anthropic counts `input_tokens` apart from the prompt tokens read
 * from its cache, where OpenAI-style engines (and the contract) count them inside the prompt: the cached share
 * moves out to `cache_read_input_tokens`, so the two fields add up to what the engine reported. No engine behind
 * the contract reports prompt-cache writes, so `cache_creation_input_tokens` is 0.
 */
import type { Usage } from "../../engines/spec.js";

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export function anthropicUsage(usage: Usage | undefined): AnthropicUsage {
  const cached = usage?.cachedInputTokens ?? 0;
  return {
    input_tokens: Math.max(0, (usage?.inputTokens ?? 0) - cached),
    output_tokens: usage?.outputTokens ?? 0,
    cache_read_input_tokens: cached,
    cache_creation_input_tokens: 0,
  };
}
