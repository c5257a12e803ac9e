/**
 * Loads sqlite-vec into a SQLite connection. The extension ships per platform (an optional npm package); where
 * none fits, the store still opens and documents stay searchable by full text: one warning says vector search is off.
 */
import type BetterSqlite3 from "better-sqlite3";
import * as sqliteVec from "sqlite-vec";
import type { StoreLogger } from "./storeLogger.js";

export type VectorExtensionLoader = (database: BetterSqlite3.Database) => void;

export const loadSqliteVec: VectorExtensionLoader = (database) => sqliteVec.load(database);

/** True when the extension loaded. */
export function loadVectorExtension(database: BetterSqlite3.Database, load: VectorExtensionLoader, logger: StoreLogger | undefined): boolean {
  try {
    load(database);
    return true;
  } catch (error) {
    logger?.warn?.({ err: error }, "store: the sqlite-vec extension could not be loaded; vector search is off and retrieval is lexical only");
    return false;
  }
}
