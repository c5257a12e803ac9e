import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { pipeline } from "node:stream/promises";
import BetterSqlite3 from "better-sqlite3";
import { BackupError } from "./BackupError.js";
import { checkBackupMigrations, MIGRATION_TABLE } from "./checkBackupMigrations.js";
import { checkWritableDirectory } from "./checkWritableDirectory.js";
import { detectBackupFormat, wrongFormatError } from "./detectBackupFormat.js";
import { tempPathBeside } from "./tempPathBeside.js";

export interface RestoreResult {
  /** The newest migration in the backup; later ones run when the store is next opened. */
  backupMigration: string;
}

/**
 * Replaces a SQLite store file with a backup. The backup is copied next to the store and checked there (a
 * SQLite database that passes quick_check and carries the migration table, with no migration this build
 * lacks) before anything of the store is touched; then stale -wal/-shm files go (a WAL left from the old
 * database would be replayed into the new one) and the checked copy is renamed over the store.
 * The server must be stopped: a store still open elsewhere is refused.
 */
export async function restoreSqlite(backup: string, storeFile: string, options: { signal?: AbortSignal } = {}): Promise<RestoreResult> {
  const { signal } = options;
  signal?.throwIfAborted();
  const format = await detectBackupFormat(backup);
  if (format !== "sqlite") throw wrongFormatError(backup, format, "SQLite");
  await mkdir(dirname(storeFile), { recursive: true });
  await checkWritableDirectory(storeFile, "the store");
  const staged = tempPathBeside(storeFile);
  try {
    await pipeline(createReadStream(backup), createWriteStream(staged, { flags: "wx" }), ...(signal ? [{ signal }] : []));
    const backupMigration = checkStagedCopy(staged, backup);
    ensureNotInUse(storeFile);
    signal?.throwIfAborted();
    for (const suffix of ["-wal", "-shm", "-journal"]) await rm(`${storeFile}${suffix}`, { force: true });
    await rename(staged, storeFile);
    return { backupMigration };
  } catch (error) {
    for (const suffix of ["", "-wal", "-shm", "-journal"]) await rm(`${staged}${suffix}`, { force: true });
    // An abort surfaces as whatever the interrupted step threw; report the abort's own reason.
    if (signal?.aborted) throw signal.reason;
    if (error instanceof BackupError) throw error;
    throw new BackupError(`restore of ${backup} failed: ${(error as Error).message}`, { cause: error });
  }
}

function checkStagedCopy(staged: string, backup: string): string {
  let copy: BetterSqlite3.Database;
  try {
    copy = new BetterSqlite3(staged, { fileMustExist: true });
  } catch (error) {
    throw new BackupError(`${backup} cannot be opened as a SQLite database: ${(error as Error).message}`, { cause: error });
  }
  try {
    let problems: string[];
    try {
      // One row per problem found, or a single "ok".
      problems = (copy.pragma("quick_check") as Array<{ quick_check: string }>).map((row) => row.quick_check);
    } catch (error) {
      throw new BackupError(`${backup} is not a usable SQLite database: ${(error as Error).message}`, { cause: error });
    }
    if (problems.length !== 1 || problems[0] !== "ok") {
      throw new BackupError(`${backup} is damaged (quick_check: ${problems.slice(0, 5).join("; ")}): nothing was changed`);
    }
    const table = copy.prepare("select name from sqlite_master where type = 'table' and name = ?").get(MIGRATION_TABLE);
    if (table === undefined) {
      throw new BackupError(`${backup} is a SQLite database but not a Switchyard backup (it has no ${MIGRATION_TABLE} table): nothing was changed`);
    }
    const names = copy.prepare(`select name from ${MIGRATION_TABLE}`).pluck().all() as string[];
    return checkBackupMigrations(names, backup);
  } finally {
    copy.close();
  }
}

/**
 * A server with the store open holds a shared lock on it (WAL mode), which makes leaving WAL mode fail at
 * once: that is the test for "still running". When nobody has it open, the switch checkpoints the old WAL,
 * which is harmless since the file is replaced next.
 */
function ensureNotInUse(storeFile: string): void {
  let current: BetterSqlite3.Database;
  try {
    current = new BetterSqlite3(storeFile, { fileMustExist: true });
  } catch {
    return; // no store yet (a restore onto a lost disk): nothing can be using it
  }
  try {
    current.pragma("busy_timeout = 0");
    current.pragma("journal_mode = DELETE");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
      throw new BackupError(`the SQLite store ${storeFile} is open in another process: stop the server before restoring (nothing was changed)`);
    }
    // Not a database any more, or damaged: it is being replaced, which is the point of a restore.
  } finally {
    current.close();
  }
}
