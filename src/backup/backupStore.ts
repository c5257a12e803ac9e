import { backupTarget } from "./backupTarget.js";
import { BackupError } from "./BackupError.js";
import { backupPostgres } from "./backupPostgres.js";
import { backupSqlite, type BackupResult } from "./backupSqlite.js";

export interface StoreBackupResult extends BackupResult {
  dialect: "sqlite" | "postgres";
}

/** Backs up the store a store URL names: a SQLite database file, or a pg_dump custom-format archive. */
export async function backupStore(storeUrl: string, destination: string, options: { signal?: AbortSignal } = {}): Promise<StoreBackupResult> {
  const target = backupTarget(storeUrl);
  if (target.dialect === "postgres") {
    return { dialect: "postgres", ...(await backupPostgres(target.connectionString, destination, options)) };
  }
  if (target.filename === ":memory:") throw new BackupError("the store is in memory (sqlite::memory:): there is nothing to back up");
  return { dialect: "sqlite", ...(await backupSqlite(target.filename, destination, options)) };
}
