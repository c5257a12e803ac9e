/**
 * A guardrail rule as the checks run it, compiled once from its configuration: a `scan` (pii, denylist, regex)
 * finds spans and masks or refuses them; a `limit` (maxPromptChars) refuses a prompt that is too long; a
 * `webhook` asks a service, which allows, refuses or rewrites the text itself.
 */
import type { GuardrailStage } from "../config/guardrailsSchema.js";
import type { MaskSpan } from "./maskSpans.js";
import type { WebhookCheck } from "./createWebhookCheck.js";

export type { GuardrailStage };

interface RuleBase {
  name: string;
  stages: ReadonlySet<GuardrailStage>;
}

export interface ScanRule extends RuleBase {
  kind: "scan";
  action: "mask" | "refuse";
  detect(text: string): MaskSpan[];
}

export interface LimitRule extends RuleBase {
  kind: "limit";
  maxChars: number;
}

export interface WebhookRule extends RuleBase {
  kind: "webhook";
  check: WebhookCheck;
}

export type GuardrailRule = ScanRule | LimitRule | WebhookRule;
