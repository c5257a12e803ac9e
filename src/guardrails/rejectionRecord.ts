/**
 * The usage ledger row of a request a guardrail refused before any engine was called: status `rejected` with the
 * code `guardrail_refused`, as a refused budget leaves one, so the ledger shows who was refused and when.
 */
import { uuidV7 } from "../observability/uuidV7.js";
import type { UsageRecord } from "../store/usageLedger.js";
import type { GuardContext } from "./guardContext.js";

export function rejectionRecord(context: GuardContext, createdAt: number, latencyMs: number): UsageRecord {
  return {
    id: uuidV7(),
    createdAt,
    requestId: context.requestId,
    traceId: context.traceId,
    keyId: context.principal.keyId ?? null,
    userId: context.principal.userId,
    route: context.route(),
    engine: null,
    model: null,
    inputTokens: 0,
    cachedInputTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    costUsd: 0,
    estimated: false,
    latencyMs: Math.round(latencyMs),
    ttftMs: null,
    status: "rejected",
    errorCode: "guardrail_refused",
  };
}
