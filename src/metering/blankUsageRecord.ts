/**
 * A usage ledger row before anything is known of its engine call: whose request it was, when, on which route, and
 * no tokens or cost yet. The meter fills it in as the call settles; a request refused before any engine (a budget,
 * a guardrail) is written as it is, with its status.
 */
import type { Principal } from "../auth/principal.js";
import { uuidV7 } from "../observability/uuidV7.js";
import type { UsageRecord } from "../store/usageLedger.js";

export interface UsageSubject {
  requestId: string;
  traceId: string;
  principal: Principal;
  route: string | null;
}

export function blankUsageRecord(subject: UsageSubject, createdAt: number): Omit<UsageRecord, "status" | "latencyMs" | "errorCode"> {
  return {
    id: uuidV7(),
    createdAt,
    requestId: subject.requestId,
    traceId: subject.traceId,
    keyId: subject.principal.keyId ?? null,
    userId: subject.principal.userId,
    route: subject.route,
    engine: null,
    model: null,
    inputTokens: 0,
    cachedInputTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    costUsd: 0,
    estimated: false,
    ttftMs: null,
  };
}
