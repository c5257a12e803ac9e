/**
 * A Redis server of a test's own, a child process on a free port of 127.0.0.1, for fault tests that stop and
 * restart it: the shared server on 6379 is never touched. Nothing is persisted, so a restart starts empty, as a
 * cache or a limiter counter store would after a crash.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../bench/freePort.js";

export interface OwnRedis {
  /** redis://127.0.0.1:<port> */
  url: string;
  /** Kills the server and waits for it to exit: connections drop, new ones are refused until start(). */
  stop(): Promise<void>;
  /** Starts a fresh, empty server on the same port. */
  start(): Promise<void>;
  /** Stops it if it runs and removes its directory. Safe to call twice. */
  destroy(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

export async function startOwnRedis(): Promise<OwnRedis> {
  const dir = await mkdtemp(join(tmpdir(), "sy-own-redis-"));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let destroyed = false;
  // A test process that dies before destroy() must not leave a server behind.
  const onExit = () => {
    child?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);

  const start = async () => {
    if (child !== undefined) return;
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir];
    const server = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    child = server;
    try {
      await ready(server);
    } catch (error) {
      server.kill("SIGKILL");
      child = undefined;
      throw error;
    }
  };
  const stop = async () => {
    const server = child;
    if (server === undefined) return;
    child = undefined;
    if (server.exitCode === null && server.signalCode === null) {
      const exited = once(server, "exit");
      server.kill("SIGTERM");
      await exited;
    }
  };

  try {
    await start();
  } catch (error) {
    process.removeListener("exit", onExit);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await stop();
      process.removeListener("exit", onExit);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once the server logs that it accepts connections; rejects with its output if it exits first. */
function ready(server: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => fail(new Error(`redis-server was not ready within ${READY_TIMEOUT_MS} ms:\n${output}`)), READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      // Only the tail is kept: the server goes on logging for as long as it runs, and its pipe must keep draining.
      output = (output + chunk.toString("utf8")).slice(-4000);
      if (/Ready to accept connections/.test(output)) done();
    };
    const onExit = (code: number | null, signal: string | null) =>
      fail(new Error(`redis-server exited (${code ?? signal}) before it was ready:\n${output}`));
    const onError = (error: Error) => fail(error);
    const cleanup = () => {
      clearTimeout(timer);
      server.removeListener("exit", onExit);
      server.removeListener("error", onError);
    };
    const done = () => {
      cleanup();
      resolve();
    };
    const fail = (error: Error) => {
      cleanup();
      reject(error);
    };
    server.stdout?.on("data", onData);
    server.stderr?.on("data", onData);
    server.once("exit", onExit);
    server.once("error", onError);
  });
}
