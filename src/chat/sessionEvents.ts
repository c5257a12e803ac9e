/**
 * The server-sent events of a session turn, in order: `meta`, `citations` (with `rag`), then `token` and `tool`
 * events as the answer and the tool calls come, and last `done` or `error`.
 */
import type { FinishReason, Usage } from "../engines/spec.js";
import type { Citation } from "../store/messages.js";
import type { ToolErrorCode } from "../tools/runToolCall.js";

export type SessionEvent =
  | {
      event: "meta";
      data: { sessionId: string; messageId: string; traceId: string; engine: string; model: string; experiment?: { id: string; variant: string } };
    }
  /** The sources retrieval put into the prompt, as numbered there; an empty list when nothing matched. */
  | { event: "citations"; data: { citations: Citation[] } }
  | { event: "token"; data: { text: string } }
  /** A server-side tool call that ended: its result, or why it has none. */
  | {
      event: "tool";
      data: {
        id: string;
        name: string;
        arguments: unknown;
        result?: unknown;
        error?: { code: ToolErrorCode; message: string };
        durationMs: number;
        /** The engine call (1-based) whose answer asked for it. */
        step: number;
      };
    }
  | {
      event: "done";
      data: {
        /** Every engine call of the turn, added up. */
        usage: Usage | null;
        /** The last call's; `max_steps` when the model still asked for tools on the last call allowed. */
        finishReason: FinishReason | "max_steps" | null;
        durationMs: number;
        /** The answer's message: `meta.messageId`, or a later one when tool calls led to further engine calls. */
        messageId: string;
        /** Engine calls made. */
        steps: number;
      };
    }
  /** `rule`: the guardrail that refused the answer (code guardrail_refused). */
  | { event: "error"; data: { code: string; message: string; rule?: string } };
