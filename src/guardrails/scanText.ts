/**
 * Runs scan rules over one text, each on the text as it came (not as an earlier rule masked it: a placeholder
 * such as `[EMAIL]` must not trip a denylist of "email"), and says what they decide together: the first refusing
 * rule that found something (in the rules' order) refuses; otherwise every match is masked.
 */
import type { ScanRule } from "./guardrailRule.js";
import { maskSpans, type MaskSpan } from "./maskSpans.js";

export interface ScanResult {
  /** Matches per rule, for the verdicts (rules that found nothing are absent). */
  counts: Map<ScanRule, number>;
  /** The first refusing rule with a match. */
  refusedBy?: ScanRule | undefined;
  /** The text with every match masked (the text itself when nothing was found or a rule refused). */
  text: string;
}

export function scanText(text: string, rules: readonly ScanRule[]): ScanResult {
  const counts = new Map<ScanRule, number>();
  const masks: MaskSpan[] = [];
  let refusedBy: ScanRule | undefined;
  for (const rule of rules) {
    const spans = rule.detect(text);
    if (spans.length === 0) continue;
    counts.set(rule, spans.length);
    if (rule.action === "refuse") refusedBy ??= rule;
    else masks.push(...spans);
  }
  return { counts, refusedBy, text: refusedBy === undefined ? maskSpans(text, masks) : text };
}
