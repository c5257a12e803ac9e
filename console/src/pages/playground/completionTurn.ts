/**
 * One playground turn over POST /v1/chat/completions with stream: true and include_usage: the text as it streams,
 * the time to first token as the browser saw it, the engine that answered (from the chunks' `engine/model`), the
 * usage chunk's tokens and the trace id header. An error event, or a stream cut before [DONE], is an ApiError.
 */
import { ApiError, isRecord } from "../../api/apiError";
import type { ApiClient } from "../../api/createApiClient";
import { readSse } from "../../api/sseParser";
import { splitEngineModel } from "./engineOf";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface CompletionOutcome {
  text: string;
  ttftMs: number | null;
  engine: string | null;
  model: string | null;
  traceId: string | null;
  usage: { inputTokens: number; outputTokens: number } | null;
  finishReason: string | null;
}

export interface CompletionTurnOptions {
  model: string;
  messages: ChatMessage[];
  signal?: AbortSignal;
  now: () => number;
  onText: (text: string) => void;
}

export async function runCompletionTurn(api: ApiClient, options: CompletionTurnOptions): Promise<CompletionOutcome> {
  const started = options.now();
  const response = await api.open(
    "/v1/chat/completions",
    { model: options.model, messages: options.messages, stream: true, stream_options: { include_usage: true } },
    { signal: options.signal },
  );
  const outcome: CompletionOutcome = { text: "", ttftMs: null, engine: null, model: null, traceId: response.headers.get("x-trace-id"), usage: null, finishReason: null };
  if (response.body === null) throw new ApiError(response.status, "invalid_response", "The answer had no body");
  for await (const event of readSse(response.body)) {
    if (event.data === "[DONE]") return outcome;
    let chunk: unknown;
    try {
      chunk = JSON.parse(event.data);
    } catch {
      throw new ApiError(response.status, "invalid_response", "A stream event was not JSON");
    }
    if (!isRecord(chunk)) continue;
    if (isRecord(chunk.error)) {
      const error = chunk.error;
      throw new ApiError(
        response.status,
        typeof error.code === "string" ? error.code : typeof error.type === "string" ? error.type : "stream_error",
        typeof error.message === "string" ? error.message : "The stream failed",
        outcome.traceId ?? undefined,
      );
    }
    if (typeof chunk.model === "string" && chunk.model !== "") {
      const { engine, model } = splitEngineModel(chunk.model);
      outcome.engine = engine;
      outcome.model = model;
    }
    const choice = Array.isArray(chunk.choices) ? (chunk.choices[0] as unknown) : undefined;
    if (isRecord(choice)) {
      const delta = choice.delta;
      if (isRecord(delta) && typeof delta.content === "string" && delta.content !== "") {
        if (outcome.ttftMs === null) outcome.ttftMs = Math.max(0, options.now() - started);
        outcome.text += delta.content;
        options.onText(outcome.text);
      }
      if (typeof choice.finish_reason === "string") outcome.finishReason = choice.finish_reason;
    }
    if (isRecord(chunk.usage)) {
      const usage = chunk.usage;
      outcome.usage = {
        inputTokens: typeof usage.prompt_tokens === "number" ? usage.prompt_tokens : 0,
        outputTokens: typeof usage.completion_tokens === "number" ? usage.completion_tokens : 0,
      };
    }
  }
  throw new ApiError(response.status, "stream_ended", "The stream ended before [DONE]", outcome.traceId ?? undefined);
}
