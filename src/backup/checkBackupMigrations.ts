import { migrations } from "../store/migrations/index.js";
import { BackupError } from "./BackupError.js";

/** Kysely's bookkeeping table: its presence is what marks a database as a Switchyard store. */
export const MIGRATION_TABLE = "kysely_migration";

/**
 * Refuses a backup whose migration table is empty, or names migrations this build does not have: Kysely's
 * Migrator would refuse to open such a store, and by then the old data would already be gone.
 * Returns the newest migration the backup has.
 */
export function checkBackupMigrations(names: readonly string[], backup: string): string {
  if (names.length === 0) {
    throw new BackupError(`${backup} is not a Switchyard backup: its ${MIGRATION_TABLE} table is empty`);
  }
  const unknown = names.filter((name) => !Object.hasOwn(migrations, name));
  if (unknown.length > 0) {
    throw new BackupError(
      `${backup} comes from a newer Switchyard (migrations unknown to this version: ${unknown.join(", ")}): restore it with that version or a later one`,
    );
  }
  return [...names].sort().at(-1) ?? "";
}

/** The newest migration this build knows; a restored older backup is brought up to it on open. */
export function latestMigration(): string {
  return Object.keys(migrations).sort().at(-1) ?? "";
}
