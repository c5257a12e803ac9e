/** A complete usage record for store and writer tests; each gets fresh ids. */
import { randomUUID } from "node:crypto";
import type { UsageRecord } from "../../src/store/usageLedger.js";

export function usageRecord(userId: string, overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    id: randomUUID(),
    createdAt: Date.UTC(2025, 0, 10),
    requestId: randomUUID(),
    traceId: "0af7651916cd43dd8448eb211c80319c",
    keyId: null,
    userId,
    route: "chat",
    engine: "vllm",
    model: "m",
    inputTokens: 10,
    cachedInputTokens: 0,
    outputTokens: 5,
    reasoningTokens: 0,
    costUsd: 0.001,
    estimated: false,
    latencyMs: 12,
    ttftMs: 3,
    status: "complete",
    errorCode: null,
    ...overrides,
  };
}
