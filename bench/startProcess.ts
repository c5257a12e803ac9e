/**
 * Child processes for benchmarks: each service (mock upstream, gateway, a peer) gets its own process so the
 * runner's measuring loop does not share an event loop with what it measures.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync, readFileSync } from "node:fs";

export interface StartProcessOptions {
  /** Shown in errors. */
  name: string;
  /** Defaults to this Node.js binary. */
  command?: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Send stdout and stderr to this file instead of a pipe. A chatty child (info logs on every request) then
   * writes as it would in production, and the runner spends no CPU reading it.
   */
  logFile?: string;
}

export interface StartedProcess {
  name: string;
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Resolves with the first JSON line on stdout that `accept` maps to a value (piped output only). */
  waitForLine<T>(accept: (entry: Record<string, unknown>) => T | undefined, timeoutMs?: number): Promise<T>;
  /** The last lines the process wrote, for failure messages. */
  tail(): string;
  /** SIGTERM, then SIGKILL if it has not exited within timeoutMs. */
  stop(timeoutMs?: number): Promise<number | null>;
}

// Children still running when the runner dies (an exception, Ctrl-C) are told to stop rather than left behind.
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGTERM");
});

const tailBytes = 4096;

export function startProcess(options: StartProcessOptions): StartedProcess {
  const fd = options.logFile === undefined ? undefined : openSync(options.logFile, "a");
  const child = spawn(options.command ?? process.execPath, [...options.args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: fd === undefined ? ["ignore", "pipe", "pipe"] : ["ignore", fd, fd],
  });
  // The child holds its own copy of the descriptor.
  if (fd !== undefined) closeSync(fd);
  running.add(child);
  // "close", not "exit": by then stdout is drained, so a line written just before exiting has been seen.
  const exited = once(child, "close").then(
    ([code]) => code as number | null,
    // A spawn failure ("error" before any "close") counts as an exit without a code.
    () => null,
  );
  void exited.then(() => running.delete(child));

  let recent = "";
  const remember = (text: string) => {
    recent = (recent + text).slice(-tailBytes);
  };
  const listeners = new Set<(entry: Record<string, unknown>) => void>();
  let buffer = "";
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    remember(text);
    buffer += text;
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch {
        continue;
      }
      if (typeof entry === "object" && entry !== null && !Array.isArray(entry)) {
        for (const listener of listeners) listener(entry as Record<string, unknown>);
      }
    }
  });
  child.stderr?.setEncoding("utf8").on("data", remember);

  const tail = () => {
    if (options.logFile === undefined) return recent;
    try {
      return readFileSync(options.logFile, "utf8").slice(-tailBytes);
    } catch {
      return "";
    }
  };

  const waitForLine = <T>(accept: (entry: Record<string, unknown>) => T | undefined, timeoutMs = 10_000) =>
    new Promise<T>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        listeners.delete(listener);
      };
      const listener = (entry: Record<string, unknown>) => {
        const value = accept(entry);
        if (value === undefined) return;
        done();
        resolve(value);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${options.name}: no expected output line within ${timeoutMs} ms:\n${tail()}`));
      }, timeoutMs);
      // A running child keeps the runner alive by itself; this timer must not do so once the child is gone.
      timer.unref();
      listeners.add(listener);
      void exited.then((code) => {
        done();
        reject(new Error(`${options.name} exited with ${code}:\n${tail()}`));
      });
    });

  const stop = async (timeoutMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  return { name: options.name, child, exited, waitForLine, tail, stop };
}
