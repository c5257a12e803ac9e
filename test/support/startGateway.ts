/**
 * Starts a real Switchyard server on a loopback port for a test, with a throwaway SQLite file unless a store URL
 * is given. The configuration goes through the same schema as a config file.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configSchema, type Config } from "../../src/config/schema.js";
import { startServer, type RunningServer, type StartServerOptions } from "../../src/main.js";
import { createLogger } from "../../src/logger.js";
import { secretsOf } from "../../src/observability/createScrubber.js";
import type { pino } from "pino";
import type { TelemetryOptions } from "../../src/observability/startTelemetry.js";

export interface TestGateway extends RunningServer {
  config: Config;
  dataDir: string;
  /** Shuts down and removes the data directory. */
  stop(): Promise<void>;
}

export interface StartGatewayOptions {
  dataDir?: string;
  keepData?: boolean;
  /** Capture the server's log lines (at `logLevel`) instead of discarding them. */
  logDestination?: pino.DestinationStream;
  logLevel?: string;
  /** OpenTelemetry options (an in-memory span exporter); one telemetry per process. */
  telemetry?: TelemetryOptions;
  /** Sees every store query the gateway runs. */
  onStoreQuery?: StartServerOptions["onStoreQuery"];
  /** Loads SQLite's vector extension instead of sqlite-vec (a failing one tests the fallback). */
  loadVectorExtension?: StartServerOptions["loadVectorExtension"];
  /** Serves the web console from this folder instead of dist/console. */
  consoleRoot?: string;
}

export async function startGateway(partial: Record<string, unknown>, options: StartGatewayOptions = {}): Promise<TestGateway> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "switchyard-test-")));
  const input = {
    // The gateway shares the test's event loop (and two cores with another test file): its delay is the test's,
    // not the gateway's load, so shedding stays off unless a test turns it on.
    loadShedding: { enabled: false },
    ...partial,
    server: { host: "127.0.0.1", port: 0, ...(partial.server as object | undefined) },
    store: partial.store ?? { url: `sqlite:${join(dataDir, "switchyard.db")}` },
    log: { level: options.logLevel ?? process.env.TEST_LOG_LEVEL ?? "silent" },
  };
  const config = configSchema.parse(input);
  const logger = createLogger(config.log.level, {
    secrets: secretsOf(config),
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const server = await startServer(config, {
    logger,
    ...(options.telemetry ? { telemetry: options.telemetry } : {}),
    ...(options.onStoreQuery ? { onStoreQuery: options.onStoreQuery } : {}),
    ...(options.loadVectorExtension ? { loadVectorExtension: options.loadVectorExtension } : {}),
    ...(options.consoleRoot ? { consoleRoot: options.consoleRoot } : {}),
  });
  return {
    ...server,
    config,
    dataDir,
    async stop() {
      await server.shutdown();
      if (!options.keepData) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function openAIEngine(name: string, baseUrl: string, models: string[] = ["mock-model"]): Record<string, unknown> {
  return { name, type: "openai", baseUrl, models };
}
