/**
 * A turn's ledger rows by its trace id (GET /api/v2/usage?traceId=), for the cost the gateway charged. The row is
 * written as the stream ends, so a lookup right after may miss it: try a few times, briefly.
 */
import type { ApiClient } from "../../api/createApiClient";
import { queryString } from "../../api/createApiClient";
import type { UsagePage, UsageRow } from "../../api/types";

export interface TurnUsageOptions {
  /** Rows wanted: 1 for a completion; a session turn with tools has one per engine call. */
  limit: number;
  attempts?: number;
  delayMs?: number;
  sleep: (ms: number) => Promise<void>;
}

export async function lookupTurnUsage(api: ApiClient, traceId: string, options: TurnUsageOptions): Promise<UsageRow[]> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const page = await api.get<UsagePage>(`/api/v2/usage${queryString({ traceId, limit: options.limit })}`);
    if (page.data.length > 0 || attempt >= attempts) return page.data;
    await options.sleep((options.delayMs ?? 250) * attempt);
  }
}

/** What the turn's rows add up to. */
export function sumUsage(rows: UsageRow[]): { costUsd: number; inputTokens: number; outputTokens: number; requestId: string | null } {
  return rows.reduce(
    (sum, row) => ({
      costUsd: Math.round((sum.costUsd + row.costUsd) * 1e9) / 1e9,
      inputTokens: sum.inputTokens + row.inputTokens,
      outputTokens: sum.outputTokens + row.outputTokens,
      requestId: sum.requestId ?? row.requestId,
    }),
    { costUsd: 0, inputTokens: 0, outputTokens: 0, requestId: null as string | null },
  );
}
