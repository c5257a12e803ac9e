/**
 * Runs the real CLI (`node dist/src/cli.js serve --config <file>`) in a child process, the way it is deployed:
 * configuration in a YAML file in a fresh temporary directory (also its working directory, SQLite file and log
 * file), output to that log file, ready once /health/live answers.
 */
import { rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { freePort } from "./freePort.js";
import { startProcess } from "./startProcess.js";
import { waitForHttp } from "./waitForHttp.js";
import type { RunningService } from "./runningService.js";

const cliPath = fileURLToPath(new URL("../src/cli.js", import.meta.url));

// Directories of gateways not stopped yet: a runner interrupted mid-start still leaves nothing behind.
const liveDirs = new Set<string>();
process.once("exit", () => {
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
});

export interface RunningSwitchyard extends RunningService {
  /** The temporary directory: switchyard.yaml, switchyard.db, switchyard.log. */
  dir: string;
  logFile: string;
}

export interface StartSwitchyardOptions {
  name?: string;
  /** Extra environment, e.g. variables the configuration interpolates. */
  env?: NodeJS.ProcessEnv;
  /** Leave the temporary directory in place after stop(), to read the log. */
  keepDir?: boolean;
  /** Another build's CLI (`<checkout>/dist/src/cli.js`), to measure two versions side by side. */
  cliPath?: string;
}

/** `config` is a configuration file's content; server.port is always a free port, the store a temporary SQLite file unless set. */
export async function startSwitchyard(config: Record<string, unknown>, options: StartSwitchyardOptions = {}): Promise<RunningSwitchyard> {
  const name = options.name ?? "switchyard";
  const dir = await mkdtemp(join(tmpdir(), "switchyard-bench-"));
  if (!options.keepDir) liveDirs.add(dir);
  const host = "127.0.0.1";
  const port = await freePort(host);
  const server = typeof config.server === "object" && config.server !== null ? config.server : {};
  const file = {
    ...config,
    server: { ...server, host, port },
    store: config.store ?? { url: `sqlite:${join(dir, "switchyard.db")}` },
  };
  const configPath = join(dir, "switchyard.yaml");
  const logFile = join(dir, "switchyard.log");
  await writeFile(configPath, stringify(file));
  const proc = startProcess({ name, args: [options.cliPath ?? cliPath, "serve", "--config", configPath], cwd: dir, env: options.env, logFile });
  const url = `http://${host}:${port}`;
  const stop = async () => {
    await proc.stop();
    if (options.keepDir) return;
    await rm(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  };
  try {
    await waitForHttp(`${url}/health/live`, { exited: proc.exited });
  } catch (error) {
    const output = proc.tail();
    await stop();
    throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}\n${output}`, { cause: error });
  }
  return { name, url, pid: proc.child.pid, dir, logFile, tail: proc.tail, stop };
}
