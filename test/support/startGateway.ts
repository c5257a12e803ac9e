/**
 * Starts a real Switchyard server on a loopback port for a test, with a throwaway SQLite file unless a store URL
 * is given. The configuration goes through the same schema as a config file.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configSchema, type Config } from "../../src/config/schema.js";
import { startServer, type RunningServer } from "../../src/main.js";
import { createLogger } from "../../src/logger.js";

export interface TestGateway extends RunningServer {
  config: Config;
  dataDir: string;
  /** Shuts down and removes the data directory. */
  stop(): Promise<void>;
}

export async function startGateway(partial: Record<string, unknown>, options: { dataDir?: string; keepData?: boolean } = {}): Promise<TestGateway> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "switchyard-test-")));
  const input = {
    ...partial,
    server: { host: "127.0.0.1", port: 0, ...(partial.server as object | undefined) },
    store: partial.store ?? { url: `sqlite:${join(dataDir, "switchyard.db")}` },
    log: { level: process.env.TEST_LOG_LEVEL ?? "silent" },
  };
  const config = configSchema.parse(input);
  const server = await startServer(config, { logger: createLogger(config.log.level) });
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
