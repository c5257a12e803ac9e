/**
 * The three variants every side-by-side run has: the mock upstream directly, the bare pass-through proxy in
 * front of it, and Switchyard with production settings in front of it, each in its own process and each
 * checked with one plain and one streamed request before anything is measured.
 */
import { chatTarget } from "./chatTarget.js";
import { checkChatTarget } from "./checkChatTarget.js";
import { benchModel, loadEngineSizing } from "./gatewayConfig.js";
import type { BenchVariant } from "./benchVariant.js";
import type { RunningService } from "./runningService.js";
import { startBenchGateway } from "./startBenchGateway.js";
import { startListening } from "./startListening.js";
import { startMock, type RunningMock } from "./startMock.js";

export interface ComparisonSetup {
  mock: RunningMock;
  variants: BenchVariant[];
  /** The Switchyard process, for its RSS. */
  switchyardPid: number | undefined;
}

/**
 * `streamings`: the engine's upstreamStreaming settings to run Switchyard with, one gateway each (the first is the
 * `switchyard` variant; others are `switchyard-<setting>`).
 */
export async function startComparisonVariants(services: RunningService[], chunks: number, streamings: readonly string[] = ["client"]): Promise<ComparisonSetup> {
  const mock = await startMock({ chunks });
  services.push(mock);
  const proxy = await startListening("pass-through", "passThroughProxy", ["--upstream", mock.url]);
  services.push(proxy);
  // Sized for 200 connections: the default bulkhead (20 in flight, 100 queued) would refuse the 200-connection case.
  const variants: BenchVariant[] = [
    { id: "direct", label: "direct (mock upstream)", target: chatTarget(mock.url, benchModel), settings: {} },
    { id: "pass-through", label: "pass-through (Fastify+undici)", target: chatTarget(proxy.url, benchModel), settings: { features: "none" } },
  ];
  let switchyardPid: number | undefined;
  for (const [index, upstreamStreaming] of streamings.entries()) {
    const { gateway, target, settings } = await startBenchGateway(mock.url, { name: `switchyard-${upstreamStreaming}`, engine: { ...loadEngineSizing, upstreamStreaming } });
    services.push(gateway);
    switchyardPid ??= gateway.pid;
    const label = streamings.length > 1 ? `switchyard (production, ${upstreamStreaming})` : "switchyard (production)";
    variants.push({ id: index === 0 ? "switchyard" : `switchyard-${upstreamStreaming}`, label, target, settings });
  }
  for (const variant of variants) await checkChatTarget(variant.label, variant.target);
  return { mock, variants, switchyardPid };
}
