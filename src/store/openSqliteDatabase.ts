import BetterSqlite3 from "better-sqlite3";

/**
 * A better-sqlite3 connection with the store's settings, for every connection that writes the store's file (the
 * main one through sqliteDialect, the usage ledger thread's), so they cannot drift apart.
 */
export function openSqliteDatabase(filename: string): BetterSqlite3.Database {
  const database = new BetterSqlite3(filename);
  // WAL lets readers (backups, other processes) proceed during writes; NORMAL is durable across app crashes
  // in WAL mode and only risks the last commits on power loss.
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = NORMAL");
  database.pragma("foreign_keys = ON");
  // A write that meets another connection's waits for it rather than failing at once.
  database.pragma("busy_timeout = 5000");
  return database;
}
