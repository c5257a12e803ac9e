/**
 * Runs the real CLI (`switchyard serve --config F`) in a child process and finds its URL in the JSON log.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";

export const cliPath = fileURLToPath(new URL("../../src/cli.js", import.meta.url));

export interface SpawnedServer {
  child: ChildProcess;
  url: string;
  logs: string[];
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Resolves with the first JSON log entry (from now on, or already seen) whose msg matches. */
  waitForLog(msg: string | RegExp, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export async function spawnServer(
  dir: string,
  config: Record<string, unknown>,
  env: NodeJS.ProcessEnv = {},
  args: string[] = [],
): Promise<SpawnedServer> {
  const configPath = join(dir, "switchyard.yaml");
  await writeFile(configPath, stringify(config));
  const child = spawn(process.execPath, [cliPath, "serve", "--config", configPath, ...args], {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  const listeners = new Set<(entry: Record<string, unknown>) => void>();
  const exited = once(child, "exit").then(([code]) => code as number | null);
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = "";
    child.stdout?.setEncoding("utf8").on("data", (text: string) => {
      buffer += text;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        logs.push(line);
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === "switchyard listening" && entry.url) resolve(entry.url);
          for (const listener of listeners) listener(entry);
        } catch {
          // not JSON: keep it in the logs for the failure message
        }
      }
    });
    child.stderr?.setEncoding("utf8").on("data", (text: string) => logs.push(text));
    exited.then((code) => reject(new Error(`server exited with ${code} before listening:\n${logs.join("\n")}`)), reject);
  });
  const matches = (pattern: string | RegExp, entry: Record<string, unknown>) =>
    typeof entry.msg === "string" && (typeof pattern === "string" ? entry.msg === pattern : pattern.test(entry.msg));
  const waitForLog = (pattern: string | RegExp, timeoutMs = 5000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`no log entry matching ${String(pattern)} within ${timeoutMs} ms:\n${logs.join("\n")}`));
      }, timeoutMs);
      const listener = (entry: Record<string, unknown>) => {
        if (!matches(pattern, entry)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(entry);
      };
      listeners.add(listener);
    });
  return { child, url, logs, exited, waitForLog };
}
