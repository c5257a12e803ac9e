/**
 * An engine's API keys (`apiKey`, or several `apiKeys`), whatever its wire: which key a call goes out with, and
 * the credentials kept out of every message, cause and log line (an upstream may echo the key it rejected). With
 * several keys a call takes the next in turn and moves to another at once when its key meets a 429
 * (rotateKeysOnRateLimit); with one key, or none, a call is the upstream call itself.
 */
import { GatewayError } from "../../errors.js";
import type { StreamPart } from "../spec.js";
import { createKeyPool } from "./createKeyPool.js";
import { rotateKeysOnRateLimit } from "./rotateKeysOnRateLimit.js";

export interface KeyFields {
  apiKey?: string | undefined;
  apiKeys?: string[] | undefined;
  keyCooldownMs: number;
}

export interface EngineKeys {
  /** The configured keys, in order (empty for an upstream that needs none). */
  readonly keys: readonly string[];
  /** A call on the keys: `open` sends it with the key at that index (0 when there is none). */
  call(open: (keyIndex: number) => AsyncIterableIterator<StreamPart>, signal: AbortSignal): AsyncIterableIterator<StreamPart>;
  /** The key for a call that is not rotated on a 429 (embeddings): the next in turn. */
  next(): number;
  redact(text: string): string;
}

export function createEngineKeys(config: KeyFields, logger?: { warn(fields: Record<string, unknown>, message: string): void }): EngineKeys {
  const keys = config.apiKeys ?? (config.apiKey ? [config.apiKey] : []);
  const pool = keys.length > 1 ? createKeyPool(keys.length) : undefined;
  return {
    keys,
    call(open, signal) {
      if (pool === undefined) return open(0);
      return rotateKeysOnRateLimit(open, signal, {
        pool,
        cooldownMs: config.keyCooldownMs,
        isRateLimit: isUpstreamRateLimit,
        onCooledDown: (keyIndex, forMs) => logger?.warn({ key: keyIndex, cooldownMs: forMs }, "API key rate limited: set aside, the call goes on with the next key"),
      });
    },
    next: () => pool?.take(Date.now()) ?? 0,
    redact(text) {
      let out = text;
      for (const key of keys) if (out.includes(key)) out = out.split(key).join("[redacted]");
      return out;
    },
  };
}

/** A 429 from the upstream: a refusal of the key's rate, which another key of the same engine may not meet. */
export function isUpstreamRateLimit(error: unknown): error is GatewayError {
  return error instanceof GatewayError && error.code === "engine_overloaded" && (error.cause as { status?: unknown } | undefined)?.status === 429;
}
