/**
 * A tool call's arguments as the `input` object Anthropic's tool_use block carries. A chat model can emit
 * arguments that are not a JSON object (cut at max_tokens, or plain wrong); the client still gets what the model
 * wrote, under `_raw`, rather than a parse error or an empty object that hides it.
 */
export function toolInputOf(argumentsText: string): Record<string, unknown> {
  if (argumentsText.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(argumentsText);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Falls through to the raw text.
  }
  return { _raw: argumentsText };
}
