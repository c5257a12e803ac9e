/** Asynchronous chat jobs (migration 007). */
import type { Selectable } from "kysely";

export type ChatJobStatus = "queued" | "running" | "completed" | "failed";

export interface ChatJobsTable {
  id: string;
  user_id: string;
  key_id: string | null;
  /** JSON text of the Principal that submitted the job. */
  principal: string;
  /** JSON text of the chat-completions request body. */
  request: string;
  status: ChatJobStatus;
  /** JSON text of the chat.completion, once completed. */
  result: string | null;
  error_code: string | null;
  error_message: string | null;
  trace_id: string;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
}

export type ChatJobRow = Selectable<ChatJobsTable>;
