/**
 * The guardrails section of the configuration: its defaults, and the mistakes it refuses at load rather than on
 * the first request (unknown rule names wherever rules are named, duplicate names, patterns that do not compile
 * or match everything, a prompt limit on answers, a webhook without a usable secret).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { configSchema } from "../../src/config/schema.js";

const engines = [{ name: "vllm", type: "openai", baseUrl: "http://127.0.0.1:9/v1", models: ["m"] }];
const issuesOf = (input: Record<string, unknown>) => {
  const result = configSchema.safeParse({ engines, ...input });
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
};
const pii = { name: "pii", kind: "pii" };

test("valid: defaults fill in, rules are named from apply, routes and keys", () => {
  const parsed = configSchema.parse({
    engines,
    routes: [{ name: "r", targets: ["vllm/m"], guardrails: ["pii"] }],
    guardrails: {
      rules: [
        pii,
        { name: "words", kind: "denylist", words: ["foo bar"] },
        { name: "ids", kind: "regex", pattern: "EMP-\\d{6}", flags: "i", action: "refuse", stages: ["output"] },
        { name: "size", kind: "maxPromptChars", maxChars: 1000 },
        { name: "hook", kind: "webhook", url: "https://guard.example/check", secret: "0123456789abcdef0123" },
      ],
      apply: ["size"],
      keys: { "key-1": ["words", "hook"] },
    },
  });
  assert.deepEqual(parsed.guardrails.rules[0], { name: "pii", kind: "pii", entities: ["email", "phone", "card", "iban", "secret", "ip"], stages: ["input", "output"], action: "mask" });
  assert.deepEqual(parsed.guardrails.rules[4], {
    name: "hook",
    kind: "webhook",
    url: "https://guard.example/check",
    secret: "0123456789abcdef0123",
    timeoutMs: 2000,
    onTimeout: "refuse",
    stages: ["input", "output"],
  });
  assert.deepEqual(parsed.guardrails.stream, { windowChars: 32, overlapChars: 64 });
  assert.deepEqual(configSchema.parse({ engines }).guardrails, { rules: [], apply: [], keys: {}, stream: { windowChars: 32, overlapChars: 64 } });
});

test("invalid: unknown names, duplicates, bad patterns, misplaced stages, weak secrets", () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ guardrails: { rules: [pii], apply: ["nope"] } }, /^guardrails\.apply\.0: no guardrail rule named "nope"/],
    [{ guardrails: { rules: [pii], keys: { k1: ["pii", "nope"] } } }, /^guardrails\.keys\.k1\.1: no guardrail rule named "nope"/],
    [{ routes: [{ name: "r", targets: ["vllm/m"], guardrails: ["nope"] }], guardrails: { rules: [pii] } }, /^routes\.0\.guardrails\.0: no guardrail rule named "nope"/],
    [{ guardrails: { rules: [pii, { ...pii, kind: "denylist", words: ["x"] }] } }, /^guardrails\.rules\.1\.name: duplicate guardrail name "pii"/],
    [{ guardrails: { rules: [{ name: "re", kind: "regex", pattern: "(unclosed" }] } }, /^guardrails\.rules\.0\.pattern: the pattern does not compile/],
    [{ guardrails: { rules: [{ name: "re", kind: "regex", pattern: "a*" }] } }, /^guardrails\.rules\.0\.pattern: the pattern matches the empty string/],
    [{ guardrails: { rules: [{ name: "re", kind: "regex", pattern: "a", flags: "g" }] } }, /^guardrails\.rules\.0\.pattern: flags must be some of "imsu"/],
    [{ guardrails: { rules: [{ name: "size", kind: "maxPromptChars", maxChars: 10, stages: ["output"] }] } }, /^guardrails\.rules\.0\.stages\.0/],
    [{ guardrails: { rules: [{ name: "p", kind: "pii", entities: ["ssn"] }] } }, /^guardrails\.rules\.0\.entities\.0/],
    [{ guardrails: { rules: [{ name: "p", kind: "pii", stages: ["input", "input"] }] } }, /^guardrails\.rules\.0\.stages: each stage once/],
    [{ guardrails: { rules: [{ name: "hook", kind: "webhook", url: "https://guard.example", secret: "short" }] } }, /^guardrails\.rules\.0\.secret/],
    [{ guardrails: { rules: [{ name: "hook", kind: "webhook", url: "ftp://guard.example", secret: "0123456789abcdef0123" }] } }, /^guardrails\.rules\.0\.url/],
    [{ guardrails: { rules: [{ name: "w", kind: "denylist", words: ["  "] }] } }, /^guardrails\.rules\.0\.words\.0/],
    [{ guardrails: { rules: [{ name: "w", kind: "webhook", url: "https://guard.example", secret: "0123456789abcdef0123", action: "mask" }] } }, /^guardrails\.rules\.0: Unrecognized key: "action"/],
  ];
  for (const [input, expected] of cases) {
    const issues = issuesOf(input);
    assert.ok(issues.some((issue) => expected.test(issue)), `${JSON.stringify(input)} gave ${JSON.stringify(issues)}`);
  }
});
