/**
 * Switchyard in front of the mock upstream with production settings (API key auth with a key made through the
 * admin API, rate limits set high, the usage ledger, info logs and metrics on), ready to load.
 */
import { randomBytes } from "node:crypto";
import { chatTarget, type ChatTarget } from "./chatTarget.js";
import { createApiKey } from "./createApiKey.js";
import { adminKeyVariable, benchEngine, benchEngineDefaults, benchModel, gatewayConfig, type GatewaySettings } from "./gatewayConfig.js";
import { startSwitchyard, type RunningSwitchyard } from "./startSwitchyard.js";

export interface BenchGateway {
  gateway: RunningSwitchyard;
  target: ChatTarget;
  /** The settings a report shows next to the figures. */
  settings: Record<string, unknown>;
}

export type BenchGatewayOptions = Partial<Omit<GatewaySettings, "upstreamUrl">> & {
  name?: string;
  /** NODE_OPTIONS for the gateway's process alone (e.g. a heap limit). */
  nodeOptions?: string;
  /** Another build's CLI to run instead of this one (see StartSwitchyardOptions.cliPath). */
  cliPath?: string;
};

export async function startBenchGateway(upstreamUrl: string, options: BenchGatewayOptions = {}): Promise<BenchGateway> {
  const settings: GatewaySettings = {
    upstreamUrl,
    logLevel: options.logLevel ?? "info",
    metrics: options.metrics ?? true,
    ...(options.engine === undefined ? {} : { engine: options.engine }),
    ...(options.extra === undefined ? {} : { extra: options.extra }),
  };
  // The bootstrap admin key lives only in this process and the gateway's environment.
  const adminKey = randomBytes(24).toString("base64url");
  const gateway = await startSwitchyard(gatewayConfig(settings), {
    name: options.name ?? "switchyard",
    env: { [adminKeyVariable]: adminKey, ...(options.nodeOptions === undefined ? {} : { NODE_OPTIONS: options.nodeOptions }) },
    ...(options.cliPath === undefined ? {} : { cliPath: options.cliPath }),
  });
  try {
    const key = await createApiKey(gateway.url, adminKey, { name: "bench" });
    return {
      gateway,
      target: chatTarget(gateway.url, `${benchEngine}/${benchModel}`, key),
      settings: {
        auth: "keys",
        rateLimits: "on (high)",
        usageLedger: "on",
        logLevel: settings.logLevel,
        metrics: settings.metrics,
        engine: { ...benchEngineDefaults, ...settings.engine },
        ...(options.nodeOptions === undefined ? {} : { nodeOptions: options.nodeOptions }),
        ...settings.extra,
      },
    };
  } catch (error) {
    await gateway.stop();
    throw error;
  }
}
