/** The request_bodies row, as stored (migration 013): one request's prompt and answer, when body logging is on. */
import type { Selectable } from "kysely";

export interface RequestBodiesTable {
  id: string;
  request_id: string;
  /** When the bodies were logged (epoch ms): what retention.requestBodiesDays counts from. */
  created_at: number;
  /** JSON text of the request, or its first requestLog.maxChars characters when `truncated`. */
  request: string;
  answer: string;
  /** JSON text of ToolCall[]; null when the answer called no tool. */
  tool_calls: string | null;
  /** 1 when the request, the answer or a tool call's arguments were cut to requestLog.maxChars. */
  truncated: number;
}

export type RequestBodiesRow = Selectable<RequestBodiesTable>;
