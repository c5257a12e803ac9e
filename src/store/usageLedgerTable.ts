/** The usage ledger's row, as stored (migration 004). One row per chat request, whatever its outcome. */
import type { Selectable } from "kysely";

export type UsageStatus = "complete" | "incomplete" | "failed" | "rejected";

export interface UsageLedgerTable {
  id: string;
  /** When the request started (epoch ms): the budget window it counts in. */
  created_at: number;
  request_id: string;
  trace_id: string;
  key_id: string | null;
  user_id: string;
  /** What the client asked for: a route name, `auto`, or `engine/model`. */
  route: string | null;
  /** The engine/model that served it; null when none did. */
  engine: string | null;
  model: string | null;
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  /** 1 when the engine reported no usage and the counts were estimated from the text (a cut stream). */
  estimated: number;
  latency_ms: number;
  ttft_ms: number | null;
  status: UsageStatus;
  error_code: string | null;
}

export type UsageLedgerRow = Selectable<UsageLedgerTable>;
