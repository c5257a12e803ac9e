/**
 * A PostgreSQL server of a test's own, in a temporary directory, for fault tests that stop and restart the
 * database: the shared server on 5432 is never touched. Listens on a free port on 127.0.0.1 (its unix socket
 * stays in the directory), trusts every local connection, and is tuned for throwaway data (no fsync).
 */
import { execFile, execFileSync } from "node:child_process";
import { chown, mkdtemp, readdir, rm } from "node:fs/promises";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "../../bench/freePort.js";

const run = promisify(execFile);

export interface OwnPostgres {
  /** postgres://postgres@127.0.0.1:<port>/test: a database named `test`, owned by the superuser `postgres`. */
  url: string;
  /** Fast shutdown (`pg_ctl stop -m fast`): connections are cut, new ones are refused until start(). */
  stop(): Promise<void>;
  /** Starts it again on the same port, with the same data. */
  start(): Promise<void>;
  /** Stops it if it runs and removes its directory. Safe to call twice. */
  destroy(): Promise<void>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = await postgresBinDir();
  const dir = await mkdtemp(join(tmpdir(), "sy-own-pg-"));
  const data = join(dir, "data");
  const port = await freePort();
  // PostgreSQL refuses to run as root; as root (CI containers), the server runs as the `postgres` OS user.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { uid, gid } = postgresUser();
    await chown(dir, uid, gid);
  }
  const command = (name: string, args: string[]): [string, string[]] =>
    asRoot ? ["runuser", ["-u", "postgres", "--", join(bin, name), ...args]] : [join(bin, name), args];
  const pgCtl = async (...args: string[]) => {
    const [file, argv] = command("pg_ctl", ["-D", data, ...args]);
    await run(file, argv);
  };
  const serverOptions = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-k ${dir}`,
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c shared_buffers=16MB",
  ].join(" ");

  let running = false;
  let destroyed = false;
  // A test process that dies before destroy() must not leave a server behind.
  const onExit = () => {
    try {
      if (running) execFileSync(...command("pg_ctl", ["-D", data, "-m", "immediate", "stop"]), { stdio: "ignore" });
    } catch {
      // Nothing more can be done while the process exits.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);

  const start = async () => {
    await pgCtl("-w", "-t", "30", "-l", join(dir, "server.log"), "-o", serverOptions, "start");
    running = true;
  };
  const stop = async () => {
    await pgCtl("-w", "-t", "30", "-m", "fast", "stop");
    running = false;
  };

  try {
    const [file, argv] = command("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"]);
    await run(file, argv);
    await start();
    const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    await admin.connect();
    try {
      await admin.query("create database test");
    } finally {
      await admin.end();
    }
  } catch (error) {
    onExit();
    process.removeListener("exit", onExit);
    throw error;
  }

  return {
    url: `postgres://postgres@127.0.0.1:${port}/test`,
    stop,
    start,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      if (running) await stop().catch(() => undefined);
      process.removeListener("exit", onExit);
      onExit();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The server binaries: where pg_config says, else Debian's versioned layout (newest first). */
async function postgresBinDir(): Promise<string> {
  try {
    const { stdout } = await run("pg_config", ["--bindir"]);
    const bin = stdout.trim();
    if ((await readdir(bin)).includes("initdb")) return bin;
  } catch {
    // No pg_config (only the client package): fall back to the layout below.
  }
  const root = "/usr/lib/postgresql";
  const versions = await readdir(root).catch(() => [] as string[]);
  for (const version of versions.sort((a, b) => Number(b) - Number(a))) {
    const bin = join(root, version, "bin");
    if ((await readdir(bin).catch(() => [] as string[])).includes("initdb")) return bin;
  }
  throw new Error("no PostgreSQL server binaries (initdb): install the postgresql package");
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch (error) {
    throw new Error("running as root: PostgreSQL needs the unprivileged 'postgres' OS user, and there is none", { cause: error });
  }
}
