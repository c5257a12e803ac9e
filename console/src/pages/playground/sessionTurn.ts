/**
 * One turn of session chat over POST /api/v2/chat/stream: its named events (meta, citations, token, tool, done,
 * error) handed on as they arrive, and what the turn came to. The time to first token is the first `token` event's,
 * as the browser saw it.
 */
import { ApiError, isRecord } from "../../api/apiError";
import type { ApiClient } from "../../api/createApiClient";
import { readSse } from "../../api/sseParser";
import type { Citation, ToolEvent } from "../../api/types";

export interface SessionMeta {
  sessionId: string;
  messageId: string;
  traceId: string;
  engine: string;
  model: string;
  experiment?: { id: string; variant: string };
}

export interface SessionTurnRequest {
  message: string;
  sessionId?: string;
  engine?: string;
  model?: string;
  projectId?: string;
  rag?: boolean;
  tools?: boolean;
}

export interface SessionTurnHandlers {
  onMeta?: (meta: SessionMeta) => void;
  onText?: (text: string) => void;
  onCitations?: (citations: Citation[]) => void;
  onTool?: (tool: ToolEvent) => void;
}

export interface SessionOutcome {
  text: string;
  ttftMs: number | null;
  meta: SessionMeta | null;
  traceId: string | null;
  citations: Citation[];
  tools: ToolEvent[];
  usage: { inputTokens: number; outputTokens: number } | null;
  finishReason: string | null;
}

export async function runSessionTurn(
  api: ApiClient,
  request: SessionTurnRequest,
  options: { signal?: AbortSignal; now: () => number; handlers?: SessionTurnHandlers },
): Promise<SessionOutcome> {
  const handlers = options.handlers ?? {};
  const started = options.now();
  const response = await api.open("/api/v2/chat/stream", request, { signal: options.signal });
  const outcome: SessionOutcome = { text: "", ttftMs: null, meta: null, traceId: response.headers.get("x-trace-id"), citations: [], tools: [], usage: null, finishReason: null };
  if (response.body === null) throw new ApiError(response.status, "invalid_response", "The answer had no body");
  for await (const event of readSse(response.body)) {
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      throw new ApiError(response.status, "invalid_response", `The ${event.event} event was not JSON`);
    }
    if (!isRecord(data)) continue;
    switch (event.event) {
      case "meta":
        outcome.meta = data as unknown as SessionMeta;
        if (outcome.traceId === null && typeof data.traceId === "string") outcome.traceId = data.traceId;
        handlers.onMeta?.(outcome.meta);
        break;
      case "citations":
        outcome.citations = Array.isArray(data.citations) ? (data.citations as Citation[]) : [];
        handlers.onCitations?.(outcome.citations);
        break;
      case "token":
        if (typeof data.text === "string") {
          if (outcome.ttftMs === null) outcome.ttftMs = Math.max(0, options.now() - started);
          outcome.text += data.text;
          handlers.onText?.(outcome.text);
        }
        break;
      case "tool": {
        const tool = data as unknown as ToolEvent;
        outcome.tools.push(tool);
        handlers.onTool?.(tool);
        break;
      }
      case "done": {
        const usage = data.usage;
        if (isRecord(usage)) {
          outcome.usage = {
            inputTokens: typeof usage.inputTokens === "number" ? usage.inputTokens : 0,
            outputTokens: typeof usage.outputTokens === "number" ? usage.outputTokens : 0,
          };
        }
        outcome.finishReason = typeof data.finishReason === "string" ? data.finishReason : null;
        return outcome;
      }
      case "error":
        throw new ApiError(response.status, typeof data.code === "string" ? data.code : "stream_error", typeof data.message === "string" ? data.message : "The stream failed", outcome.traceId ?? undefined);
      default:
        break;
    }
  }
  throw new ApiError(response.status, "stream_ended", "The stream ended before its done event", outcome.traceId ?? undefined);
}
