import { openStore } from "../store/openStore.js";
import { backupTarget } from "./backupTarget.js";
import { BackupError } from "./BackupError.js";
import { latestMigration } from "./checkBackupMigrations.js";
import { restorePostgres } from "./restorePostgres.js";
import { restoreSqlite } from "./restoreSqlite.js";

export interface StoreRestoreResult {
  dialect: "sqlite" | "postgres";
  /** Newest migration in the backup, and the one the store is at now (later ones ran after the restore). */
  backupMigration: string;
  currentMigration: string;
}

/**
 * Replaces the store a store URL names with a backup, then opens it once: migrations newer than the backup run
 * now rather than on the server's next start, and a restore that leaves an unopenable store fails here.
 */
export async function restoreStore(storeUrl: string, backup: string, options: { signal?: AbortSignal } = {}): Promise<StoreRestoreResult> {
  const target = backupTarget(storeUrl);
  let dialect: StoreRestoreResult["dialect"];
  let backupMigration: string;
  if (target.dialect === "postgres") {
    dialect = "postgres";
    ({ backupMigration } = await restorePostgres(backup, target.connectionString, options));
  } else {
    if (target.filename === ":memory:") throw new BackupError("the store is in memory (sqlite::memory:): there is nothing to restore into");
    dialect = "sqlite";
    ({ backupMigration } = await restoreSqlite(backup, target.filename, options));
  }
  const store = await openStore(storeUrl);
  await store.close();
  return { dialect, backupMigration, currentMigration: latestMigration() };
}
