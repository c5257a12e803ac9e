/**
 * The guardrails of one request, as its rules (the defaults, its route's, its key's) decide them: the input check
 * over the prompt, the output check over a whole answer, and the window checker for a streamed one. Within a
 * stage the local rules run first (prompt limits, then the pattern rules, together on the text as sent), then the
 * webhooks in order, each on the text as the rules before it left it, so a masked address never reaches one.
 * A refused prompt leaves a `rejected` ledger row, as a refused budget does.
 */
import type { ChatMessage } from "../engines/spec.js";
import { createOutputWindow, type OutputWindow } from "./createOutputWindow.js";
import type { GuardContext } from "./guardContext.js";
import type { GuardrailRule, GuardrailStage, LimitRule, ScanRule, WebhookRule } from "./guardrailRule.js";
import { guardrailRefused } from "./guardrailRefused.js";
import type { Verdict, VerdictRecorder } from "./recordVerdict.js";
import { rejectionRecord } from "./rejectionRecord.js";
import { scanText } from "./scanText.js";
import type { UsageRecord } from "../store/usageLedger.js";

export interface RequestGuard {
  /** The prompt as it may go on (masked or rewritten; the same array when nothing changed); throws guardrail_refused. */
  checkInput(context: GuardContext, messages: ChatMessage[]): Promise<ChatMessage[]>;
  /** A whole answer's text as it may go out; throws guardrail_refused. */
  checkAnswer(context: GuardContext, text: string): Promise<string>;
  /** The checker of a streamed answer; undefined when no rule checks output (the stream then passes untouched). */
  outputWindow(context: GuardContext): OutputWindow | undefined;
}

export interface RequestGuardDeps {
  record: VerdictRecorder;
  /** Writes a refused request's ledger row. */
  reject(record: UsageRecord): void;
  stream: { windowChars: number; overlapChars: number };
}

interface WebhookOutcome extends Verdict {
  text: string;
  /** Set when the text is refused: the detail for the message ("" for none). */
  refusal?: string | undefined;
}

// The worst verdict of a rule over a stream's windows is the one it records.
const severity: Record<Verdict["action"], number> = { allow: 0, mask: 1, rewrite: 2, error: 3, refuse: 4 };

export function createRequestGuard(rules: readonly GuardrailRule[], deps: RequestGuardDeps): RequestGuard {
  const staged = (stage: GuardrailStage) => {
    const list = rules.filter((rule) => rule.stages.has(stage));
    return {
      any: list.length > 0,
      limits: list.filter((rule): rule is LimitRule => rule.kind === "limit"),
      scans: list.filter((rule): rule is ScanRule => rule.kind === "scan"),
      hooks: list.filter((rule): rule is WebhookRule => rule.kind === "webhook"),
    };
  };
  const input = staged("input");
  const output = staged("output");

  const refused = (context: GuardContext, verdict: Verdict, startedAt: number, detail?: string) => {
    deps.record(context, verdict);
    if (verdict.stage === "input") deps.reject(rejectionRecord(context, Date.now(), performance.now() - startedAt));
    return guardrailRefused(verdict.rule, verdict.stage, detail);
  };

  const ask = async (rule: WebhookRule, context: GuardContext, stage: GuardrailStage, text: string, messages?: WebhookMessages): Promise<WebhookOutcome> => {
    const base = { rule: rule.name, stage };
    const verdict = await rule.check(
      {
        stage,
        rule: rule.name,
        requestId: context.requestId,
        traceId: context.traceId,
        route: context.route(),
        keyId: context.principal.keyId ?? null,
        text,
        ...(messages === undefined ? {} : { messages }),
      },
      context.signal(),
    );
    switch (verdict.action) {
      case "allow":
        return { ...base, action: "allow", text };
      case "rewrite":
        return { ...base, action: "rewrite", text: verdict.text };
      case "refuse":
        return { ...base, action: "refuse", text, refusal: (verdict.reason ?? "").slice(0, 200) };
      case "error":
        return {
          ...base,
          action: "error",
          text,
          failure: verdict.failure,
          outcome: verdict.outcome === "allow" ? "allowed" : "refused",
          refusal: verdict.outcome === "refuse" ? `its check ${verdict.failure === "timeout" ? "timed out" : "failed"}` : undefined,
        };
    }
  };

  return {
    async checkInput(context, messages) {
      if (!input.any) return messages;
      const startedAt = performance.now();
      const chars = input.limits.length > 0 ? promptChars(messages) : 0;
      for (const rule of input.limits) {
        const verdict: Verdict = { rule: rule.name, stage: "input", action: chars > rule.maxChars ? "refuse" : "allow", matches: chars };
        if (verdict.action === "refuse") throw refused(context, verdict, startedAt, `the prompt has ${chars} characters, more than ${rule.maxChars}`);
        deps.record(context, verdict);
      }
      let current = messages;
      if (input.scans.length > 0) {
        const counts = new Map<ScanRule, number>();
        let refusedBy: ScanRule | undefined;
        let changed = false;
        const next = messages.map((message) => {
          if (typeof message.content !== "string" || message.content === "") return message;
          const result = scanText(message.content, input.scans);
          for (const [rule, count] of result.counts) counts.set(rule, (counts.get(rule) ?? 0) + count);
          refusedBy ??= result.refusedBy;
          if (result.text === message.content) return message;
          changed = true;
          return { ...message, content: result.text };
        });
        if (refusedBy !== undefined) throw refused(context, { rule: refusedBy.name, stage: "input", action: "refuse", matches: counts.get(refusedBy) }, startedAt);
        for (const rule of input.scans) deps.record(context, { rule: rule.name, stage: "input", action: counts.has(rule) ? "mask" : "allow", matches: counts.get(rule) ?? 0 });
        if (changed) current = next;
      }
      for (const rule of input.hooks) {
        const at = current.findLastIndex((message) => message.role === "user" && typeof message.content === "string");
        const outcome = await ask(rule, context, "input", at >= 0 ? (current[at]?.content ?? "") : "", textMessages(current));
        if (outcome.refusal !== undefined) throw refused(context, outcome, startedAt, outcome.refusal);
        deps.record(context, outcome);
        if (outcome.action === "rewrite" && at >= 0) current = current.map((message, index) => (index === at ? { ...message, content: outcome.text } : message));
      }
      return current;
    },

    async checkAnswer(context, answer) {
      if (!output.any) return answer;
      let text = answer;
      if (output.scans.length > 0) {
        const result = scanText(text, output.scans);
        if (result.refusedBy !== undefined) {
          throw refused(context, { rule: result.refusedBy.name, stage: "output", action: "refuse", matches: result.counts.get(result.refusedBy) }, 0);
        }
        for (const rule of output.scans) deps.record(context, { rule: rule.name, stage: "output", action: result.counts.has(rule) ? "mask" : "allow", matches: result.counts.get(rule) ?? 0 });
        text = result.text;
      }
      for (const rule of output.hooks) {
        const outcome = await ask(rule, context, "output", text);
        if (outcome.refusal !== undefined) throw refused(context, outcome, 0, outcome.refusal);
        deps.record(context, outcome);
        text = outcome.text;
      }
      return text;
    },

    outputWindow(context) {
      if (!output.any) return undefined;
      const hookVerdicts = new Map<WebhookRule, Verdict>();
      const review =
        output.hooks.length === 0
          ? undefined
          : async (window: string) => {
              let text = window;
              for (const rule of output.hooks) {
                const outcome = await ask(rule, context, "output", text);
                const worst = hookVerdicts.get(rule);
                if (worst === undefined || severity[outcome.action] > severity[worst.action]) hookVerdicts.set(rule, outcome);
                if (outcome.refusal !== undefined) throw guardrailRefused(rule.name, "output", outcome.refusal);
                text = outcome.text;
              }
              return text;
            };
      return createOutputWindow({
        scans: output.scans,
        windowChars: deps.stream.windowChars,
        overlapChars: deps.stream.overlapChars,
        review,
        onEnd(counts, refusedBy) {
          for (const rule of output.scans) {
            deps.record(context, { rule: rule.name, stage: "output", action: rule === refusedBy ? "refuse" : counts.has(rule) ? "mask" : "allow", matches: counts.get(rule) ?? 0 });
          }
          // A webhook never asked (the answer had no text) has no verdict.
          for (const verdict of hookVerdicts.values()) deps.record(context, { rule: verdict.rule, stage: verdict.stage, action: verdict.action, outcome: verdict.outcome, failure: verdict.failure });
        },
      });
    },
  };
}

type WebhookMessages = Array<{ role: string; content: string }>;

/** The prompt's text as a webhook sees it: the messages with text content (images and tool calls left out). */
function textMessages(messages: readonly ChatMessage[]): WebhookMessages {
  return messages.flatMap((message) => (typeof message.content === "string" ? [{ role: message.role, content: message.content }] : []));
}

function promptChars(messages: readonly ChatMessage[]): number {
  let chars = 0;
  for (const message of messages) if (typeof message.content === "string") chars += message.content.length;
  return chars;
}
