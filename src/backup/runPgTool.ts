import { execFile } from "node:child_process";
import { BackupError } from "./BackupError.js";

export type PgTool = "pg_dump" | "pg_restore";

export interface PgToolOptions {
  /** The store URL; passed as --dbname with its password moved to PGPASSWORD. */
  connectionUrl?: string;
  signal?: AbortSignal;
}

// `pg_restore --list` of a large schema is still far below this.
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/**
 * Runs pg_dump or pg_restore from PATH (no shell) and resolves with its stdout. libpq never prompts (-w is
 * added by the callers), so a missing password fails instead of hanging a CronJob. The password travels in the
 * child's environment rather than its arguments, where `ps` would show it to every user of the machine.
 */
export function runPgTool(tool: PgTool, args: readonly string[], options: PgToolOptions = {}): Promise<string> {
  const { signal } = options;
  const env: NodeJS.ProcessEnv = { ...process.env };
  const fullArgs = [...args];
  if (options.connectionUrl !== undefined) {
    const { url, password } = withoutPassword(options.connectionUrl);
    if (password !== undefined) env.PGPASSWORD = password;
    fullArgs.push("--dbname", url);
  }
  return new Promise<string>((resolve, reject) => {
    execFile(tool, fullArgs, { env, maxBuffer: MAX_OUTPUT_BYTES, ...(signal ? { signal } : {}) }, (error, stdout, stderr) => {
      if (error === null) {
        resolve(stdout);
        return;
      }
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        reject(
          new BackupError(
            `${tool} was not found on PATH: install the PostgreSQL client tools (Debian: apt-get install postgresql-client), of the server's major version or newer`,
            { cause: error },
          ),
        );
        return;
      }
      const detail = stderr.trim() || error.message;
      reject(new BackupError(`${tool} failed (exit code ${String(error.code ?? error.signal)}): ${detail}`, { cause: error }));
    });
  });
}

/** libpq reads percent-decoded PGPASSWORD; the URL keeps every other part (host, port, sslmode, ...). */
function withoutPassword(connectionUrl: string): { url: string; password: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(connectionUrl);
  } catch {
    // Not a URL that WHATWG parses (libpq accepts a few more forms): hand it over as it is.
    return { url: connectionUrl, password: undefined };
  }
  if (parsed.password === "") return { url: connectionUrl, password: undefined };
  const password = decodeURIComponent(parsed.password);
  parsed.password = "";
  return { url: parsed.toString(), password };
}
