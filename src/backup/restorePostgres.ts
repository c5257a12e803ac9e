import { BackupError } from "./BackupError.js";
import { checkBackupMigrations, MIGRATION_TABLE } from "./checkBackupMigrations.js";
import { currentMigrations } from "./currentMigrations.js";
import { detectBackupFormat, wrongFormatError } from "./detectBackupFormat.js";
import type { RestoreResult } from "./restoreSqlite.js";
import { runPgTool } from "./runPgTool.js";

/**
 * pg_restore of a pg_dump -Fc archive into the configured database. The archive is read first (its table of
 * contents and its migration rows), so a file that is not a Switchyard backup, one from a newer version, or an
 * older one over a database with a newer schema is refused before the database is touched. The restore itself
 * is one transaction: it drops and recreates what the archive holds and commits, or changes nothing.
 */
export async function restorePostgres(backup: string, connectionUrl: string, options: { signal?: AbortSignal } = {}): Promise<RestoreResult> {
  const { signal } = options;
  const tool = signal ? { signal } : {};
  signal?.throwIfAborted();
  const format = await detectBackupFormat(backup);
  if (format !== "pg_dump") throw wrongFormatError(backup, format, "PostgreSQL");
  const contents = await runPgTool("pg_restore", ["--list", backup], tool);
  if (!new RegExp(`^\\d+; \\d+ \\d+ TABLE \\S+ ${MIGRATION_TABLE} `, "m").test(contents)) {
    throw new BackupError(`${backup} is a pg_dump archive but not a Switchyard backup (it has no ${MIGRATION_TABLE} table): nothing was changed`);
  }
  const migrationRows = await runPgTool("pg_restore", ["--data-only", `--table=${MIGRATION_TABLE}`, "--file=-", backup], tool);
  const backupNames = copiedNames(migrationRows);
  const backupMigration = checkBackupMigrations(backupNames, backup);
  // --clean drops only what the archive holds: tables of later migrations would stay behind, and those
  // migrations would then fail on open against their own leftovers, after the old data was already replaced.
  const newer = (await currentMigrations(connectionUrl)).filter((name) => !backupNames.includes(name)).sort();
  if (newer.length > 0) {
    throw new BackupError(
      `the database has migrations the backup lacks (${newer.join(", ")}): restore this older backup into an empty database (drop and recreate it, or use a new one). Nothing was changed`,
    );
  }
  await runPgTool(
    "pg_restore",
    // --no-owner/--no-privileges: the archive's roles need not exist here; the configured user owns what it
    // creates, as it does after migrations.
    ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", "--no-password", backup],
    { connectionUrl, ...tool },
  );
  return { backupMigration };
}

/** The first column of the rows in the migration table's COPY block of pg_restore's SQL output. */
function copiedNames(script: string): string[] {
  const lines = script.split("\n");
  const start = lines.findIndex((line) => line.startsWith("COPY ") && line.includes(MIGRATION_TABLE));
  if (start < 0) return [];
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line === "\\.") break;
    const [name] = line.split("\t");
    if (name) names.push(name);
  }
  return names;
}
