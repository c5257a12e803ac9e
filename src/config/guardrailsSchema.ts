/**
 * Guardrails: named rules that check a chat request's prompt (`input`) and its answer (`output`), and where they
 * apply: `apply` names the rules every request runs, a route's `guardrails` and `keys` (by API key id) add theirs.
 * A rule finds personal data (`pii`), listed words (`denylist`), a pattern (`regex`), a prompt that is too long
 * (`maxPromptChars`), or asks a signed `webhook`. Pattern rules `mask` what they find (a placeholder such as
 * `[EMAIL]`) or `refuse` the request; a webhook answers allow, refuse or rewrite itself.
 */
import { z } from "zod";
import { patternProblem } from "../guardrails/compilePattern.js";
import { PII_ENTITIES } from "../guardrails/piiEntities.js";

const positiveInt = z.number().int().positive();

export const guardrailName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "1 to 64 letters, digits, '_', '.' or '-'");

const stage = z.enum(["input", "output"]);
const stages = z
  .array(stage)
  .min(1)
  .default(["input", "output"])
  .refine((list) => new Set(list).size === list.length, "each stage once");
/** What a pattern rule does with a match: replace it with its placeholder, or refuse the request (or answer). */
const action = z.enum(["mask", "refuse"]).default("mask");
const placeholder = z.string().min(1).max(64);

const piiRule = z
  .object({
    name: guardrailName,
    kind: z.literal("pii"),
    /** Which entities to look for; all of them when absent. */
    entities: z
      .array(z.enum(PII_ENTITIES))
      .min(1)
      .default([...PII_ENTITIES]),
    stages,
    action,
  })
  .strict();

const denylistRule = z
  .object({
    name: guardrailName,
    kind: z.literal("denylist"),
    /** Words or phrases, matched case-insensitively as whole words. */
    words: z.array(z.string().trim().min(1).max(200)).min(1).max(10_000),
    stages,
    action,
    placeholder: placeholder.default("[REDACTED]"),
  })
  .strict();

const regexRule = z
  .object({
    name: guardrailName,
    kind: z.literal("regex"),
    /** A JavaScript regular expression, checked when the configuration loads. */
    pattern: z.string().min(1).max(2_000),
    /** Some of i, m, s, u (g is implied). */
    flags: z.string().default(""),
    stages,
    action,
    placeholder: placeholder.default("[REDACTED]"),
  })
  .strict()
  .superRefine((rule, ctx) => {
    const problem = patternProblem(rule.pattern, rule.flags);
    if (problem !== undefined) ctx.addIssue({ code: "custom", path: ["pattern"], message: problem });
  });

const maxPromptCharsRule = z
  .object({
    name: guardrailName,
    kind: z.literal("maxPromptChars"),
    /** Most characters of message text a request's prompt may have; a longer one is refused. */
    maxChars: positiveInt,
    stages: z.array(z.literal("input")).min(1).max(1).default(["input"]),
  })
  .strict();

const webhookRule = z
  .object({
    name: guardrailName,
    kind: z.literal("webhook"),
    /** Receives `{stage, rule, requestId, traceId, route, keyId, text, messages?}`, signed like webhook deliveries. */
    url: z.url({ protocol: /^https?$/ }),
    /** HMAC-SHA256 secret of the `x-switchyard-signature` header (use `${ENV}`). */
    secret: z.string().min(16),
    timeoutMs: positiveInt.max(60_000).default(2_000),
    /** No answer within timeoutMs: `allow` lets the text through (fail-open), `refuse` refuses it (fail-closed). */
    onTimeout: z.enum(["allow", "refuse"]).default("refuse"),
    /** Any other failure (connection refused, a non-2xx status, an answer that is not a verdict); onTimeout's when absent. */
    onError: z.enum(["allow", "refuse"]).optional(),
    stages,
  })
  .strict();

export const guardrailRuleSchema = z.discriminatedUnion("kind", [piiRule, denylistRule, regexRule, maxPromptCharsRule, webhookRule]);

export const guardrailsSchema = z
  .object({
    rules: z.array(guardrailRuleSchema).default([]),
    /** Rules every request runs, before its route's and its key's. */
    apply: z.array(guardrailName).default([]),
    /**
     * Rules by API key id (the id the admin API shows, never the key), added to `apply` and the route's. In the
     * configuration rather than on the key: keys change at run time, rules only with the file.
     */
    keys: z.record(z.string().min(1), z.array(guardrailName).min(1)).default({}),
    /**
     * Streamed answers are checked in windows: text is held until `overlapChars` more have arrived after it (so a
     * match split across chunks is found whole) and released at least `windowChars` at a time or at a sentence's end.
     */
    stream: z
      .object({
        windowChars: positiveInt.max(65_536).default(32),
        overlapChars: positiveInt.max(65_536).default(64),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((guardrails, ctx) => {
    const seen = new Set<string>();
    guardrails.rules.forEach((rule, index) => {
      if (seen.has(rule.name)) ctx.addIssue({ code: "custom", path: ["rules", index, "name"], message: `duplicate guardrail name "${rule.name}"` });
      seen.add(rule.name);
    });
    const check = (names: readonly string[], path: Array<string | number>) =>
      names.forEach((name, index) => {
        if (!seen.has(name)) ctx.addIssue({ code: "custom", path: [...path, index], message: `no guardrail rule named "${name}"` });
      });
    check(guardrails.apply, ["apply"]);
    for (const [keyId, names] of Object.entries(guardrails.keys)) check(names, ["keys", keyId]);
  });

/** Issues for routes naming rules the guardrails section does not define (the config schema adds them). */
export function routeGuardrailIssues(
  guardrails: Pick<GuardrailsConfig, "rules">,
  routes: ReadonlyArray<{ guardrails?: readonly string[] | undefined }>,
): Array<{ path: Array<string | number>; message: string }> {
  const names = new Set(guardrails.rules.map((rule) => rule.name));
  const issues: Array<{ path: Array<string | number>; message: string }> = [];
  routes.forEach((route, index) =>
    route.guardrails?.forEach((name, at) => {
      if (!names.has(name)) issues.push({ path: ["routes", index, "guardrails", at], message: `no guardrail rule named "${name}"` });
    }),
  );
  return issues;
}

export type GuardrailsConfig = z.infer<typeof guardrailsSchema>;
export type GuardrailRuleConfig = z.infer<typeof guardrailRuleSchema>;
export type GuardrailStage = z.infer<typeof stage>;
