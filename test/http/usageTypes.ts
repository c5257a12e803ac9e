/** The usage API's response shapes, as the tests read them. */
export interface UsageRow {
  id: string;
  createdAt: string;
  requestId: string;
  traceId: string;
  keyId: string | null;
  userId: string;
  route: string | null;
  engine: string | null;
  model: string | null;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  costUsd: number;
  estimated: boolean;
  latencyMs: number;
  ttftMs: number | null;
  status: "complete" | "incomplete" | "failed" | "rejected";
  errorCode: string | null;
}

export interface UsageList {
  data: UsageRow[];
  nextCursor: string | null;
  totals: { requests: number; inputTokens: number; outputTokens: number; costUsd: number };
}
