/**
 * Spawns a bench server script (dist/bench/<script>.js) that binds a port and prints one JSON line
 * `{"msg":"<what> listening","url":…}`, and returns it as a running service.
 */
import { fileURLToPath } from "node:url";
import { startProcess } from "./startProcess.js";
import type { RunningService } from "./runningService.js";

export async function startListening(name: string, script: string, args: readonly string[] = [], env?: NodeJS.ProcessEnv): Promise<RunningService> {
  const path = fileURLToPath(new URL(`./${script}.js`, import.meta.url));
  const proc = startProcess({ name, args: [path, ...args], ...(env === undefined ? {} : { env }) });
  let url: string;
  try {
    url = await proc.waitForLine((entry) =>
      typeof entry.msg === "string" && entry.msg.endsWith("listening") && typeof entry.url === "string" ? entry.url : undefined,
    );
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return { name, url, pid: proc.child.pid, tail: proc.tail, stop: async () => void (await proc.stop()) };
}
