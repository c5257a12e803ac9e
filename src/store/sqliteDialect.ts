import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { SqliteDialect } from "kysely";

/**
 * Kysely over one better-sqlite3 connection. Kysely serializes everything on that connection, so a transaction
 * runs alone from BEGIN to COMMIT; busy_timeout only matters for other processes (CLI backups) on the same file.
 */
export function sqliteDialect(filename: string, onOpen?: (database: BetterSqlite3.Database) => void): SqliteDialect {
  return new SqliteDialect({
    database: async () => {
      if (filename !== ":memory:") await mkdir(dirname(filename), { recursive: true });
      const database = new BetterSqlite3(filename);
      // WAL lets readers (backups, other processes) proceed during writes; NORMAL is durable across app crashes
      // in WAL mode and only risks the last commits on power loss.
      database.pragma("journal_mode = WAL");
      database.pragma("synchronous = NORMAL");
      database.pragma("foreign_keys = ON");
      database.pragma("busy_timeout = 5000");
      onOpen?.(database);
      return database;
    },
  });
}
