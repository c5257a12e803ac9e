/**
 * Switchyard configurations for benchmarks, one engine in front of the mock upstream, set up as in production:
 * API keys, rate limits on (set high enough never to refuse), the usage ledger on (it always is), and the log
 * level and metrics chosen by the scenario.
 */

export const benchEngine = "mock";
export const benchModel = "mock-model";
/** The variable the configuration reads the bootstrap admin key from, so the key is never written to disk. */
export const adminKeyVariable = "SWITCHYARD_ADMIN_KEY";

export interface GatewaySettings {
  /** The mock upstream's origin, e.g. http://127.0.0.1:PORT. */
  upstreamUrl: string;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  metrics: boolean;
  /**
   * Engine fields over the defaults (maxConcurrency 20, maxQueue 100, 64 connections, 90 s total timeout): a load
   * scenario that holds more requests open than that sets them, as an operator sizing for that load would.
   */
  engine?: Record<string, unknown>;
  /** Top-level sections added to the configuration (e.g. `cache`). */
  extra?: Record<string, unknown>;
}

/**
 * A non-streaming client's call asks the upstream for the whole answer, as the pass-through baseline does; streams
 * stay streams. The trade (no time-to-first-token fallback for non-streaming calls) is the operator's; see README.
 */
export const benchEngineDefaults = { upstreamStreaming: "client" };

/** Engine sizing for scenarios that keep hundreds of requests in flight. */
export const loadEngineSizing = { maxConcurrency: 1024, maxQueue: 4096, connections: 256 };

// Far above what one connection can send in a minute, so the limiter runs its bookkeeping but never refuses.
const unlimited = { rpm: 100_000_000, tpm: 10_000_000_000 };
const highLimits = { chat: unlimited, admin: { rpm: 10_000 }, other: { rpm: 100_000_000 } };

export function gatewayConfig(settings: GatewaySettings): Record<string, unknown> {
  return {
    engines: [{ name: benchEngine, type: "openai", baseUrl: `${settings.upstreamUrl}/v1`, models: [benchModel], ...benchEngineDefaults, ...settings.engine }],
    auth: { mode: "keys", adminKey: `\${${adminKeyVariable}}` },
    rateLimits: { enabled: true, perKey: highLimits, perUser: highLimits },
    metrics: { enabled: settings.metrics },
    log: { level: settings.logLevel },
    ...settings.extra,
  };
}
