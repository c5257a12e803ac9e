/**
 * Spawns the mock upstream (dist/bench/mockUpstream.js) and reads its URL from the JSON line it prints once
 * listening.
 */
import { fileURLToPath } from "node:url";
import { mockArgs, type MockOptions } from "./mockOptions.js";
import { startProcess } from "./startProcess.js";
import type { RunningService } from "./runningService.js";

const mockPath = fileURLToPath(new URL("./mockUpstream.js", import.meta.url));

export interface RunningMock extends RunningService {
  /** The mock's counts, printed as it stops (undefined until then, or if it died). */
  stopped?: Record<string, unknown>;
}

export async function startMock(options: Partial<MockOptions> = {}, name = "mock upstream"): Promise<RunningMock> {
  const proc = startProcess({ name, args: [mockPath, ...mockArgs({ port: 0, ...options })] });
  const stoppedLine = proc.waitForLine((entry) => (entry.msg === "mock upstream stopped" ? entry : undefined), 24 * 3600_000);
  // Its rejection (the process exiting without the line) is reported through stop(), not as unhandled.
  stoppedLine.catch(() => undefined);
  let url: string;
  try {
    url = await proc.waitForLine((entry) => (entry.msg === "mock upstream listening" && typeof entry.url === "string" ? entry.url : undefined));
  } catch (error) {
    await proc.stop();
    throw error;
  }
  const mock: RunningMock = {
    name,
    url,
    pid: proc.child.pid,
    tail: proc.tail,
    async stop() {
      await proc.stop();
      mock.stopped = await stoppedLine.catch(() => undefined);
    },
  };
  return mock;
}
