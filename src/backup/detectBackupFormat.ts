import { open } from "node:fs/promises";
import { BackupError } from "./BackupError.js";

export type BackupFormat = "sqlite" | "pg_dump" | "unknown";

const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");
// pg_dump's custom (-Fc) archives start with this; plain SQL dumps do not, and pg_restore refuses those anyway.
const PG_DUMP_MAGIC = Buffer.from("PGDMP", "latin1");

/** What kind of file `path` is, from its first bytes; unreadable files are reported, not guessed. */
export async function detectBackupFormat(path: string): Promise<BackupFormat> {
  let header: Buffer;
  try {
    const file = await open(path, "r");
    try {
      const buffer = Buffer.alloc(SQLITE_MAGIC.length);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
      header = buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  } catch (error) {
    throw new BackupError(`cannot read the backup ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (header.equals(SQLITE_MAGIC)) return "sqlite";
  if (header.subarray(0, PG_DUMP_MAGIC.length).equals(PG_DUMP_MAGIC)) return "pg_dump";
  return "unknown";
}

/** Why a restore onto a store of `dialect` refuses a file of the `found` kind. */
export function wrongFormatError(backup: string, found: BackupFormat, dialect: "SQLite" | "PostgreSQL"): BackupError {
  switch (found) {
    case "sqlite":
      return new BackupError(`${backup} is a SQLite database (a backup of a SQLite store), but the configured store is ${dialect}: nothing was changed`);
    case "pg_dump":
      return new BackupError(`${backup} is a pg_dump archive (a backup of a PostgreSQL store), but the configured store is ${dialect}: nothing was changed`);
    case "unknown":
      return new BackupError(`${backup} is not a backup: neither a SQLite database nor a pg_dump custom-format archive. Nothing was changed`);
  }
}
