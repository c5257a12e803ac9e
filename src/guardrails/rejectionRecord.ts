/**
 * The usage ledger row of a request a guardrail refused before any engine was called: status `rejected` with the
 * code `guardrail_refused`, as a refused budget leaves one, so the ledger shows who was refused and when.
 */
import { blankUsageRecord } from "../metering/blankUsageRecord.js";
import type { UsageRecord } from "../store/usageLedger.js";
import type { GuardContext } from "./guardContext.js";

export function rejectionRecord(context: GuardContext, createdAt: number, latencyMs: number): UsageRecord {
  const subject = { requestId: context.requestId, traceId: context.traceId, principal: context.principal, route: context.route() };
  return { ...blankUsageRecord(subject, createdAt), latencyMs: Math.round(latencyMs), status: "rejected", errorCode: "guardrail_refused" };
}
