import { rename, rm, stat } from "node:fs/promises";
import { BackupError } from "./BackupError.js";
import type { BackupResult } from "./backupSqlite.js";
import { checkWritableDirectory } from "./checkWritableDirectory.js";
import { runPgTool } from "./runPgTool.js";
import { tempPathBeside } from "./tempPathBeside.js";

/**
 * pg_dump in custom format (-Fc: compressed, restorable table by table with pg_restore). pg_dump reads one
 * consistent snapshot while the gateways keep serving. The archive is written beside the destination and
 * renamed into place, so a failed or interrupted dump never leaves a truncated file under the final name.
 */
export async function backupPostgres(connectionUrl: string, destination: string, options: { signal?: AbortSignal } = {}): Promise<BackupResult> {
  const { signal } = options;
  signal?.throwIfAborted();
  await checkWritableDirectory(destination, "the backup");
  const partial = tempPathBeside(destination);
  try {
    await runPgTool("pg_dump", ["--format=custom", "--no-password", "--file", partial], {
      connectionUrl,
      ...(signal ? { signal } : {}),
    });
    await rename(partial, destination);
    return { file: destination, bytes: (await stat(destination)).size };
  } catch (error) {
    await rm(partial, { force: true });
    // An abort surfaces as whatever the interrupted step threw; report the abort's own reason.
    if (signal?.aborted) throw signal.reason;
    if (error instanceof BackupError) throw error;
    throw new BackupError(`backup to ${destination} failed: ${(error as Error).message}`, { cause: error });
  }
}
