/**
 * The request fields a response object repeats, as the Responses API's clients expect to find them (the SDK's
 * types require most). `store` is always false: the gateway keeps no responses, whatever the request asked.
 */
import type { ResponsesBody } from "./responsesSchema.js";

export type ResponseEcho = Readonly<Record<string, unknown>>;

export function responseEchoOf(body: ResponsesBody): ResponseEcho {
  const echo: Record<string, unknown> = {
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    temperature: body.temperature ?? null,
    top_p: body.top_p ?? null,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    tool_choice: body.tool_choice ?? "auto",
    // Only function tools get this far: responsesToChatRequest refuses the rest.
    tools: (body.tools ?? []).map((tool) => ({
      type: "function",
      name: tool.name ?? "",
      description: tool.description ?? null,
      parameters: tool.parameters ?? null,
      strict: tool.strict ?? null,
    })),
    text: { format: body.text?.format ?? { type: "text" } },
    truncation: "disabled",
    previous_response_id: null,
    background: false,
    store: false,
    metadata: body.metadata ?? {},
  };
  if (body.user !== undefined) echo.user = body.user;
  return echo;
}
