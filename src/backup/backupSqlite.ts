import { rename, rm, stat } from "node:fs/promises";
import BetterSqlite3 from "better-sqlite3";
import { BackupError } from "./BackupError.js";
import { checkWritableDirectory } from "./checkWritableDirectory.js";
import { tempPathBeside } from "./tempPathBeside.js";

export interface BackupResult {
  file: string;
  bytes: number;
}

// About 4 MB with the default page size: small enough that an abort lands quickly, large enough to be fast.
const PAGES_PER_STEP = 1024;
const ALL_REMAINING_PAGES = 0x7fffffff;

/**
 * Copies a SQLite store to `destination` with SQLite's online backup API while the server may keep writing.
 * A connection of its own (this process, not the server's) reads the file; the server's event loop never
 * waits on it, and WAL mode lets its writes go on meanwhile. The copy is made beside the destination and
 * renamed into place, so an interrupted backup never leaves a truncated file under the final name.
 */
export async function backupSqlite(storeFile: string, destination: string, options: { signal?: AbortSignal } = {}): Promise<BackupResult> {
  const { signal } = options;
  signal?.throwIfAborted();
  await checkWritableDirectory(destination, "the backup");
  let source: BetterSqlite3.Database;
  try {
    source = new BetterSqlite3(storeFile, { fileMustExist: true });
  } catch (error) {
    throw new BackupError(`cannot open the SQLite store ${storeFile}: ${(error as Error).message}`, { cause: error });
  }
  const partial = tempPathBeside(destination);
  try {
    // Waits out a writer holding the lock for a moment instead of failing the backup at once.
    source.pragma("busy_timeout = 5000");
    let lastRemaining = Number.POSITIVE_INFINITY;
    await source.backup(partial, {
      progress: ({ remainingPages }) => {
        signal?.throwIfAborted();
        // A write by another connection (the server) restarts the backup from the first page. On a busy store
        // stepping could restart forever, so after one restart the rest goes in a single step: one read
        // snapshot, which in WAL mode does not hold up the server's writers.
        const restarted = remainingPages > lastRemaining;
        lastRemaining = remainingPages;
        return restarted ? ALL_REMAINING_PAGES : PAGES_PER_STEP;
      },
    });
    signal?.throwIfAborted();
    makeSelfContained(partial);
    await rename(partial, destination);
    return { file: destination, bytes: (await stat(destination)).size };
  } catch (error) {
    await rm(partial, { force: true });
    // An abort surfaces as whatever the interrupted step threw; report the abort's own reason.
    if (signal?.aborted) throw signal.reason;
    if (error instanceof BackupError) throw error;
    throw new BackupError(`backup of ${storeFile} to ${destination} failed: ${(error as Error).message}`, { cause: error });
  } finally {
    source.close();
  }
}

/**
 * The copy inherits the store's WAL mode, which would make any reader create -wal and -shm files beside it;
 * rollback-journal mode makes the backup one file that can be copied, checksummed and opened read-only.
 */
function makeSelfContained(file: string): void {
  const copy = new BetterSqlite3(file, { fileMustExist: true });
  try {
    copy.pragma("journal_mode = DELETE");
  } finally {
    copy.close();
  }
}
