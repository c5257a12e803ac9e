/**
 * Removes credentials from free text (log messages, error messages, upstream error bodies) before it is written
 * anywhere. Structured fields are redacted by path in the logger; this catches what hides inside strings.
 */
const patterns: Array<[RegExp, string]> = [
  // JWTs first: their segments would otherwise be half-matched by the bearer rule.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, "[redacted jwt]"],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, "$1 [redacted]"],
  [/\bsy-[A-Za-z0-9_-]{16,}/g, "sy-[redacted]"],
  // OpenAI-style provider keys (sk-…, sk-proj-…), and the other common provider key shapes.
  [/\bsk-[A-Za-z0-9_-]{16,}/g, "sk-[redacted]"],
  [/\b(xai|gsk|pplx)-[A-Za-z0-9_-]{16,}/g, "$1-[redacted]"],
  [/\bAIza[A-Za-z0-9_-]{30,}/g, "[redacted google key]"],
  [/([?&](?:api[_-]?key|key|token|access_token|secret)=)[^&\s"']+/gi, "$1[redacted]"],
];

// What every pattern above starts with (or, for query strings, contains): most text has none of it, and one test
// is far cheaper than seven replacements on every string of every log line.
const anyPattern = /eyJ|Bearer|Basic|sy-|sk-|xai-|gsk-|pplx-|AIza|[?&](?:api|key|token|access|secret)/i;

export type Scrubber = (text: string) => string;

/** `secrets` are exact values from the configuration (upstream keys, admin key, JWT and webhook secrets). */
export function createScrubber(secrets: readonly string[] = []): Scrubber {
  // Longest first, so a secret that contains another is replaced whole.
  const exact = [...new Set(secrets.filter((s) => s.length >= 8))].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of exact) if (out.includes(secret)) out = out.split(secret).join("[redacted]");
    if (!anyPattern.test(out)) return out;
    for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement);
    return out;
  };
}

/** Every secret-bearing value of a configuration, for createScrubber. */
export function secretsOf(config: {
  engines: ReadonlyArray<{
    type: string;
    apiKey?: string | undefined;
    apiKeys?: readonly string[] | undefined;
    credentials?: { secretAccessKey: string; sessionToken?: string | undefined } | undefined;
    headers?: Readonly<Record<string, string>>;
  }>;
  auth?: { adminKey?: string | undefined; jwt?: { secret?: string | undefined } | undefined };
  webhooks?: ReadonlyArray<{ secret: string }>;
  metrics?: { token?: string | undefined };
  telemetry?: { otlp?: { headers: Readonly<Record<string, string>> } | undefined };
  guardrails?: { rules: ReadonlyArray<{ kind: string; secret?: string | undefined }> };
  tools?: {
    http: ReadonlyArray<{ headers: Readonly<Record<string, string>> }>;
    mcp?: ReadonlyArray<{ headers?: Readonly<Record<string, string>>; env?: Readonly<Record<string, string>> }>;
  };
}): string[] {
  const found: string[] = [];
  for (const engine of config.engines) {
    if (engine.apiKey) found.push(engine.apiKey);
    for (const key of engine.apiKeys ?? []) found.push(key);
    if (engine.credentials) {
      found.push(engine.credentials.secretAccessKey);
      if (engine.credentials.sessionToken) found.push(engine.credentials.sessionToken);
    }
    for (const [name, value] of Object.entries(engine.headers ?? {})) {
      if (/key|token|secret|auth/i.test(name)) found.push(value);
    }
  }
  if (config.auth?.adminKey) found.push(config.auth.adminKey);
  if (config.auth?.jwt?.secret) found.push(config.auth.jwt.secret);
  for (const hook of config.webhooks ?? []) found.push(hook.secret);
  for (const rule of config.guardrails?.rules ?? []) if (rule.secret) found.push(rule.secret);
  if (config.metrics?.token) found.push(config.metrics.token);
  // Collector headers are usually credentials (an API key, a bearer token).
  for (const value of Object.values(config.telemetry?.otlp?.headers ?? {})) if (value.length >= 8) found.push(value);
  // An http tool's headers exist to carry its credentials.
  for (const tool of config.tools?.http ?? []) for (const value of Object.values(tool.headers)) if (value.length >= 8) found.push(value);
  // So do an MCP server's headers, and a stdio server's environment is where its command finds its tokens.
  for (const server of config.tools?.mcp ?? []) {
    for (const value of [...Object.values(server.headers ?? {}), ...Object.values(server.env ?? {})]) if (value.length >= 8) found.push(value);
  }
  return found;
}
