/**
 * `switchyard cache warm FILE`: fills the response cache of a running gateway by sending it each request of a
 * JSON-lines file (chat completion bodies) with `x-switchyard-cache: use`. Answers are cached per tenant, and the
 * tenant is the user of the API key that asks, so a line may carry its own `key` to warm another user's cache.
 * Requests go one at a time: warming should not compete with live traffic.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { loadConfig } from "./config/loadConfig.js";
import type { CliOutput } from "./cliKeys.js";

export const cacheUsage = `usage: switchyard cache warm FILE [--url URL] [--key KEY] [--config FILE]

  FILE     JSON lines, each a /v1/chat/completions body; an optional "key" field sends that line with its own API key
  --url    the running gateway (default: the configuration's server address, else http://127.0.0.1:8080)
  --key    API key (default: $SWITCHYARD_API_KEY); answers are cached for that key's user
  prints one line per request (hit, miss, bypass or the error) and a summary; exits 1 if any request failed`;

const processOutput: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

const options = {
  config: { type: "string", short: "c" },
  url: { type: "string" },
  key: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export async function cacheCommand(argv: string[], out: CliOutput = processOutput, signal?: AbortSignal): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof options }>>;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options });
  } catch (error) {
    out.stderr(`${(error as Error).message}\n${cacheUsage}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out.stdout(`${cacheUsage}\n`);
    return 0;
  }
  const [action, file] = positionals;
  if (action !== "warm" || file === undefined) {
    out.stderr(`${cacheUsage}\n`);
    return 2;
  }
  const base = (values.url ?? defaultUrl(values.config)).replace(/\/+$/, "");
  const defaultKey = values.key ?? process.env.SWITCHYARD_API_KEY;
  const lines = (await readFile(file, "utf8")).split("\n").map((line) => line.trim());
  const counts = { hit: 0, miss: 0, bypass: 0, failed: 0 };
  for (const [index, line] of lines.entries()) {
    if (line === "" || line.startsWith("#")) continue;
    const where = `${file}:${index + 1}`;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(line) as Record<string, unknown>;
      if (!body || typeof body !== "object" || Array.isArray(body)) throw new Error("not a JSON object");
    } catch (error) {
      counts.failed += 1;
      out.stderr(`${where}: ${(error as Error).message}\n`);
      continue;
    }
    const { key: lineKey, ...request } = body;
    const key = typeof lineKey === "string" ? lineKey : defaultKey;
    // A streamed answer is cached as well, but a plain one is simpler to check here.
    delete request.stream;
    delete request.stream_options;
    try {
      const response = await fetch(`${base}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-switchyard-cache": "use", ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify(request),
        ...(signal ? { signal } : {}),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${text.slice(0, 300)}`);
      const result = response.headers.get("x-switchyard-cache");
      // A semantic hit: the route's semantic cache already holds an answer to a request meaning the same.
      if (result === "hit" || result === "semantic-hit") counts.hit += 1;
      else if (result === "miss" || result === "bypass") counts[result] += 1;
      else throw new Error("the gateway did not answer with x-switchyard-cache (is cache.enabled set?)");
      out.stdout(`${where}: ${result}\n`);
    } catch (error) {
      if (signal?.aborted) throw error;
      counts.failed += 1;
      out.stderr(`${where}: ${(error as Error).message}\n`);
    }
  }
  out.stdout(`warmed: ${counts.miss} stored, ${counts.hit} already cached, ${counts.bypass} bypassed, ${counts.failed} failed\n`);
  return counts.failed > 0 ? 1 : 0;
}

export function defaultUrl(configPath: string | undefined): string {
  if (configPath === undefined && process.env.SWITCHYARD_CONFIG === undefined) return "http://127.0.0.1:8080";
  const { config } = loadConfig({ path: configPath });
  const host = config.server.host === "0.0.0.0" || config.server.host === "::" ? "127.0.0.1" : config.server.host;
  return `${config.server.tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${config.server.port}`;
}
