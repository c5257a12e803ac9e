/**
 * Runs the installed peer gateway in its own process (`node build/start-server.js --port=N --headless`) and
 * returns it as a variant pointed at the mock upstream through its OpenAI provider with a custom host.
 */
import { chatTarget } from "./chatTarget.js";
import { freePort } from "./freePort.js";
import { benchModel } from "./gatewayConfig.js";
import type { BenchVariant } from "./benchVariant.js";
import type { InstalledPeer } from "./installPeer.js";
import type { RunningService } from "./runningService.js";
import { startProcess } from "./startProcess.js";
import { waitForHttp } from "./waitForHttp.js";

export async function startPeer(peer: InstalledPeer, upstreamUrl: string): Promise<{ service: RunningService; variant: BenchVariant }> {
  const port = await freePort();
  // Its own log volume is its production setting; it is not asked to log more or less than it does by default.
  const proc = startProcess({ name: "portkey gateway", args: [peer.entry, `--port=${port}`, "--headless"], cwd: peer.dir, env: { NODE_ENV: "production" } });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/`, { exited: proc.exited });
  } catch (error) {
    const output = proc.tail();
    await proc.stop();
    throw new Error(`portkey gateway: ${error instanceof Error ? error.message : String(error)}\n${output}`, { cause: error });
  }
  const target = chatTarget(url, benchModel, "bench-not-checked-upstream");
  target.headers["x-portkey-provider"] = "openai";
  target.headers["x-portkey-custom-host"] = `${upstreamUrl}/v1`;
  return {
    service: { name: "portkey gateway", url, pid: proc.child.pid, tail: proc.tail, stop: async () => void (await proc.stop()) },
    variant: { id: "portkey", label: `portkey ${peer.version}`, target, settings: { package: `@portkey-ai/gateway@${peer.version}`, provider: "openai (custom host)" } },
  };
}
