/**
 * Credentials pasted into text: the well-known key shapes (OpenAI and Anthropic `sk-…`, AWS access key ids,
 * GitHub, GitLab, Slack, Google, Stripe, Hugging Face, npm and Switchyard keys, JWTs, PEM private key headers) and generic assignments
 * (`api_key=…`, `token: "…"`, `password=…`, `Bearer …`) whose value looks random: 16+ characters, letters and digits mixed,
 * and high Shannon entropy, so `api_key=YOUR_API_KEY_HERE` or `token: getToken()` stay as they are.
 */
import { outermostSpans } from "./outermostSpans.js";
import type { TextSpan } from "./textSpan.js";

const SHAPES: readonly RegExp[] = [
  /\bsk-(?:proj-|svcacct-|admin-|ant-(?:api|admin)\d{2}-)?[A-Za-z0-9_-]{20,}/g,
  /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g,
  /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{22,255}\b/g,
  /\bglpat-[A-Za-z0-9_-]{20,}/g,
  /\bhf_[A-Za-z0-9]{30,}\b/g,
  /\bnpm_[A-Za-z0-9]{36}\b/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g,
  /\bAIza[0-9A-Za-z_-]{35}/g,
  /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}/g,
  /\bsy-[A-Za-z0-9_-]{20,}/g,
  // A JWT's header and payload are base64url JSON objects, so both start with `eyJ` ('{"').
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----/g,
];

const ASSIGNMENT =
  /\b(?:api[_-]?key|apikey|secret(?:[_-]?key)?|client[_-]?secret|access[_-]?key(?:[_-]?id)?|auth[_-]?token|access[_-]?token|token|password|passwd)["']?\s*[:=]\s*["'`]?([^\s"'`,;]{16,})/gi;

// A bearer credential in a header or a curl line; its value must look random too.
const BEARER = /\b(?:Bearer|Token)\s+([A-Za-z0-9._~+/=-]{16,})/g;

// What every shape and assignment above contains: most text has none of it.
const ANY = /sk-|AKIA|ASIA|ABIA|ACCA|gh[pousr]_|github_pat_|glpat-|hf_|npm_|xox|AIza|_live_|_test_|sy-|eyJ|PRIVATE KEY|[:=]|Bearer|Token/;

export function detectSecrets(text: string): TextSpan[] {
  if (!ANY.test(text)) return [];
  const spans: TextSpan[] = [];
  for (const shape of SHAPES) for (const match of text.matchAll(shape)) spans.push({ start: match.index, end: match.index + match[0].length });
  for (const pattern of [ASSIGNMENT, BEARER]) {
    for (const match of text.matchAll(pattern)) {
      const value = match[1] ?? "";
      if (!looksRandom(value)) continue;
      const start = match.index + match[0].length - value.length;
      spans.push({ start, end: start + value.length });
    }
  }
  return outermostSpans(spans);
}

/** Letters and digits both, and at least 3.5 bits of entropy per character: a generated value, not a word. */
function looksRandom(value: string): boolean {
  if (!/[A-Za-z]/.test(value) || !/\d/.test(value)) return false;
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    entropy -= p * Math.log2(p);
  }
  return entropy >= 3.5;
}
