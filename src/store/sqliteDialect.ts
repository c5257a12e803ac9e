import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { CompiledQuery, SqliteDialect, type Dialect, type Driver } from "kysely";
import { openSqliteDatabase } from "./openSqliteDatabase.js";

/**
 * Kysely over one better-sqlite3 connection. Kysely serializes everything on that connection, so a transaction
 * runs alone on it from BEGIN to COMMIT. Other connections write the same file, though: the usage ledger thread,
 * and CLI commands in other processes. The busy timeout makes a write that meets theirs wait for it, and every
 * transaction begins IMMEDIATE, taking the write lock at BEGIN: a deferred one that read first and wrote after
 * another connection committed would fail at once with SQLITE_BUSY_SNAPSHOT, busy_timeout or not.
 */
export function sqliteDialect(filename: string, onOpen?: (database: BetterSqlite3.Database) => void): Dialect {
  const dialect = new SqliteDialect({
    database: async () => {
      if (filename !== ":memory:") await mkdir(dirname(filename), { recursive: true });
      const database = openSqliteDatabase(filename);
      onOpen?.(database);
      return database;
    },
  });
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => withImmediateTransactions(dialect.createDriver()),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
  };
}

// Kysely's SQLite driver keeps its state in private fields, so it is wrapped method by method, not extended.
function withImmediateTransactions(driver: Driver): Driver {
  return {
    init: () => driver.init(),
    acquireConnection: () => driver.acquireConnection(),
    async beginTransaction(connection) {
      await connection.executeQuery(CompiledQuery.raw("begin immediate"));
    },
    commitTransaction: (connection) => driver.commitTransaction(connection),
    rollbackTransaction: (connection) => driver.rollbackTransaction(connection),
    savepoint: driver.savepoint?.bind(driver),
    rollbackToSavepoint: driver.rollbackToSavepoint?.bind(driver),
    releaseSavepoint: driver.releaseSavepoint?.bind(driver),
    releaseConnection: (connection) => driver.releaseConnection(connection),
    destroy: () => driver.destroy(),
  };
}
