/**
 * What every engine with an HTTP upstream (openai, azure, anthropic, gemini) is given, and its undici Pool to that
 * upstream's origin: keep-alive connections, one request at a time on each.
 */
import { Pool } from "undici";

/** Structurally a subset of pino's logger, so the composition root can pass a child logger straight in. */
export interface EngineLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface UpstreamEngineOptions {
  logger?: EngineLogger;
  /** Longest wait for response headers (undici's default: 300 s). The policy layer's TTFT timeout is tighter. */
  headersTimeoutMs?: number;
  /** Longest silence between body chunks (undici's default: 300 s). */
  bodyTimeoutMs?: number;
}

export function createUpstreamPool(origin: string, connections: number, options: UpstreamEngineOptions): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    ...(options.headersTimeoutMs !== undefined ? { headersTimeout: options.headersTimeoutMs } : {}),
    ...(options.bodyTimeoutMs !== undefined ? { bodyTimeout: options.bodyTimeoutMs } : {}),
  });
}
