/**
 * What each verdict leaves behind: `guardrail_verdicts_total{rule, action}`, an event on the request's span when
 * tracing is on, and, unless the rule allowed the text, one log line with the rule, action, stage, request id and
 * counts. The text itself is never recorded anywhere.
 */
import { trace } from "@opentelemetry/api";
import type { Logger } from "../logger.js";
import type { Metrics } from "../observability/createMetrics.js";
import type { GuardrailStage } from "./guardrailRule.js";

export type VerdictAction = "allow" | "mask" | "refuse" | "rewrite" | "error";

export interface Verdict {
  rule: string;
  stage: GuardrailStage;
  action: VerdictAction;
  /** Spans masked or found (scan rules), characters (limit rules). */
  matches?: number | undefined;
  /** A webhook that failed: whether the text went on (fail-open) or was refused (fail-closed), and why. */
  outcome?: "allowed" | "refused" | undefined;
  failure?: "timeout" | "error" | undefined;
}

export type VerdictRecorder = (context: { requestId: string; log: Logger }, verdict: Verdict) => void;

export function createVerdictRecorder(metrics: Metrics | undefined): VerdictRecorder {
  return (context, verdict) => {
    metrics?.guardrailVerdicts.inc({ rule: verdict.rule, action: verdict.action });
    trace.getActiveSpan()?.addEvent("guardrail.verdict", {
      "switchyard.guardrail.rule": verdict.rule,
      "switchyard.guardrail.stage": verdict.stage,
      "switchyard.guardrail.action": verdict.action,
      ...(verdict.matches === undefined ? {} : { "switchyard.guardrail.matches": verdict.matches }),
    });
    if (verdict.action === "allow") return;
    const fields = {
      guardrail: verdict.rule,
      action: verdict.action,
      stage: verdict.stage,
      requestId: context.requestId,
      ...(verdict.matches === undefined ? {} : { matches: verdict.matches }),
      ...(verdict.outcome === undefined ? {} : { outcome: verdict.outcome }),
      ...(verdict.failure === undefined ? {} : { failure: verdict.failure }),
    };
    if (verdict.action === "error") context.log.warn(fields, "guardrail webhook failed");
    else context.log.info(fields, "guardrail verdict");
  };
}
