/**
 * The mock upstream's knobs, from command-line flags (which win) or MOCK_* environment variables, so a parent
 * process and a person at a shell configure it the same way.
 */
import { parseArgs } from "node:util";

export interface MockOptions {
  host: string;
  /** 0 picks a free port; the bound URL is printed as a JSON line on stdout. */
  port: number;
  /** Delay before a non-streaming answer. */
  latencyMs: number;
  /** Delay before the first streamed token (headers and the first content chunk go out together). */
  ttftMs: number;
  /** Content chunks per streamed answer (the non-streaming answer carries the same text). */
  chunks: number;
  /** Delay between streamed chunks after the first; 0 writes the whole stream at once. */
  chunkIntervalMs: number;
  /** Fraction (0..1) of chat requests answered with a 500 error instead. */
  faultRate: number;
  /** Model ids listed by GET /v1/models (any model is answered). */
  models: string[];
}

export const defaultMockOptions: Readonly<MockOptions> = {
  host: "127.0.0.1",
  port: 0,
  latencyMs: 0,
  ttftMs: 0,
  chunks: 16,
  chunkIntervalMs: 0,
  faultRate: 0,
  models: ["mock-model"],
};

/** Flag name → environment variable, in one table so help text, parsing and the spawner agree. */
export const mockFlags = {
  host: "MOCK_HOST",
  port: "MOCK_PORT",
  "latency-ms": "MOCK_LATENCY_MS",
  "ttft-ms": "MOCK_TTFT_MS",
  chunks: "MOCK_CHUNKS",
  "chunk-interval-ms": "MOCK_CHUNK_INTERVAL_MS",
  "fault-rate": "MOCK_FAULT_RATE",
  models: "MOCK_MODELS",
} as const;

type Flag = keyof typeof mockFlags;

export function parseMockOptions(argv: readonly string[], env: NodeJS.ProcessEnv): MockOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(Object.keys(mockFlags).map((flag) => [flag, { type: "string" as const }])),
    strict: true,
  });
  const raw = (flag: Flag): string | undefined => {
    const value = values[flag];
    return typeof value === "string" ? value : env[mockFlags[flag]];
  };
  const number = (flag: Flag, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const text = raw(flag);
    if (text === undefined || text === "") return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new Error(`--${flag} (${mockFlags[flag]}) must be a number from ${min} to ${max}, got "${text}"`);
    }
    return value;
  };
  const models = raw("models");
  return {
    host: raw("host") || defaultMockOptions.host,
    port: number("port", defaultMockOptions.port, 0, 65535),
    latencyMs: number("latency-ms", defaultMockOptions.latencyMs, 0),
    ttftMs: number("ttft-ms", defaultMockOptions.ttftMs, 0),
    chunks: Math.trunc(number("chunks", defaultMockOptions.chunks, 1, 100_000)),
    chunkIntervalMs: number("chunk-interval-ms", defaultMockOptions.chunkIntervalMs, 0),
    faultRate: number("fault-rate", defaultMockOptions.faultRate, 0, 1),
    models: models ? models.split(",").map((id) => id.trim()).filter((id) => id.length > 0) : [...defaultMockOptions.models],
  };
}

/** The flags that reproduce `options` on a child's command line (only what differs from the defaults). */
export function mockArgs(options: Partial<MockOptions>): string[] {
  const args: string[] = [];
  const add = (flag: Flag, value: string | number | undefined) => {
    if (value !== undefined) args.push(`--${flag}`, String(value));
  };
  add("host", options.host);
  add("port", options.port);
  add("latency-ms", options.latencyMs);
  add("ttft-ms", options.ttftMs);
  add("chunks", options.chunks);
  add("chunk-interval-ms", options.chunkIntervalMs);
  add("fault-rate", options.faultRate);
  add("models", options.models?.join(","));
  return args;
}
