/**
 * The error a refusal raises: `guardrail_refused` (400) with the rule's name, which every API family's envelope
 * carries beside the code. The message names the rule and the stage, never the text that was refused.
 */
import { GatewayError } from "../errors.js";
import type { GuardrailStage } from "./guardrailRule.js";

export function guardrailRefused(rule: string, stage: GuardrailStage, detail?: string): GatewayError {
  const what = stage === "input" ? "the request" : "the answer";
  return new GatewayError("guardrail_refused", `guardrail "${rule}" refused ${what}${detail === undefined || detail === "" ? "" : `: ${detail}`}`, { rule });
}
