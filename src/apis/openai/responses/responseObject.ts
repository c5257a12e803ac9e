/** The `response` object, in progress, finished or failed: what every response of one request shares, and its state. */
import type { ResponseEcho } from "./responseEcho.js";
import type { ResponseUsage } from "./responseUsage.js";

export interface ResponseFrame {
  id: string;
  /** Unix seconds. */
  createdAt: number;
  /** `engine/model` that serves the answer. */
  model: string;
  echo: ResponseEcho;
}

export interface ResponseState {
  status: "in_progress" | "completed" | "incomplete" | "failed";
  incompleteDetails?: { reason: string } | null;
  output: ReadonlyArray<Record<string, unknown>>;
  usage?: ResponseUsage | undefined;
  error?: { code: string; message: string } | null;
}

export function responseObject(frame: ResponseFrame, state: ResponseState): Record<string, unknown> {
  const response: Record<string, unknown> = {
    id: frame.id,
    object: "response",
    created_at: frame.createdAt,
    status: state.status,
    completed_at: state.status === "completed" ? Math.floor(Date.now() / 1000) : null,
    error: state.error ?? null,
    incomplete_details: state.incompleteDetails ?? null,
    model: frame.model,
    output: state.output,
    ...frame.echo,
  };
  // Absent until the engine reported it (OpenAI's own in-progress responses carry none either).
  if (state.usage !== undefined) response.usage = state.usage;
  return response;
}
