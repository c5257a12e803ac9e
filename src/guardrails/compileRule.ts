/**
 * One configured rule, compiled: its detector built (patterns compiled, the denylist joined into one expression),
 * its webhook bound to the gateway's connection pool for guardrail calls.
 */
import type { Dispatcher } from "undici";
import type { GuardrailRuleConfig } from "../config/guardrailsSchema.js";
import { compileDenylist } from "./compileDenylist.js";
import { compilePattern } from "./compilePattern.js";
import { createWebhookCheck } from "./createWebhookCheck.js";
import { detectPii } from "./detectPii.js";
import type { GuardrailRule } from "./guardrailRule.js";
import { piiPlaceholders } from "./piiEntities.js";
import type { Detector } from "./textSpan.js";

export function compileRule(config: GuardrailRuleConfig, dispatcher: Dispatcher): GuardrailRule {
  const stages = new Set(config.stages);
  switch (config.kind) {
    case "pii": {
      const entities = config.entities;
      return {
        kind: "scan",
        name: config.name,
        stages,
        action: config.action,
        detect: (text) => detectPii(text, entities).map((span) => ({ start: span.start, end: span.end, placeholder: piiPlaceholders[span.entity] })),
      };
    }
    case "denylist":
      return { kind: "scan", name: config.name, stages, action: config.action, detect: withPlaceholder(compileDenylist(config.words), config.placeholder) };
    case "regex":
      return { kind: "scan", name: config.name, stages, action: config.action, detect: withPlaceholder(compilePattern(config.pattern, config.flags), config.placeholder) };
    case "maxPromptChars":
      return { kind: "limit", name: config.name, stages, maxChars: config.maxChars };
    case "webhook":
      return { kind: "webhook", name: config.name, stages, check: createWebhookCheck(config, dispatcher) };
  }
}

function withPlaceholder(detect: Detector, placeholder: string) {
  return (text: string) => detect(text).map((span) => ({ ...span, placeholder }));
}
