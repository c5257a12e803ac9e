/** A ledger row as the usage APIs show it (JSON listing, CSV export): camelCase, ISO time, every column. */
import type { UsageRecord } from "../../store/usageLedger.js";

export type UsageView = ReturnType<typeof usageView>;

export function usageView(record: UsageRecord) {
  return {
    id: record.id,
    createdAt: new Date(record.createdAt).toISOString(),
    requestId: record.requestId,
    traceId: record.traceId,
    keyId: record.keyId,
    userId: record.userId,
    route: record.route,
    engine: record.engine,
    model: record.model,
    inputTokens: record.inputTokens,
    cachedInputTokens: record.cachedInputTokens,
    outputTokens: record.outputTokens,
    reasoningTokens: record.reasoningTokens,
    costUsd: record.costUsd,
    estimated: record.estimated,
    latencyMs: record.latencyMs,
    ttftMs: record.ttftMs,
    status: record.status,
    errorCode: record.errorCode,
  };
}
