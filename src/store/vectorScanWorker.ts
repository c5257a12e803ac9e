/**
 * The thread that runs SQLite vector scans, so an exact scan over many chunks never holds the event loop: a
 * connection of its own to the store's file (WAL lets it read while the main connection writes), sqlite-vec loaded,
 * statements prepared once. Messages in: `{id, sql, parameters}`; out: `{id, rows}` or `{id, error}`.
 */
import { parentPort, workerData } from "node:worker_threads";
import BetterSqlite3 from "better-sqlite3";
import * as sqliteVec from "sqlite-vec";

export interface ScanRequest {
  id: number;
  sql: string;
  parameters: readonly unknown[];
}

export type ScanReply = { id: number; rows: unknown[] } | { id: number; error: string };

const port = parentPort;
if (port !== null) {
  const { filename } = workerData as { filename: string };
  const database = new BetterSqlite3(filename, { fileMustExist: true });
  database.pragma("busy_timeout = 5000");
  database.pragma("query_only = ON");
  sqliteVec.load(database);
  const statements = new Map<string, BetterSqlite3.Statement>();

  port.on("message", (request: ScanRequest) => {
    try {
      let statement = statements.get(request.sql);
      if (statement === undefined) {
        statement = database.prepare(request.sql);
        statements.set(request.sql, statement);
      }
      // Buffers arrive as plain Uint8Arrays; better-sqlite3 binds only Buffers as blobs.
      const parameters = request.parameters.map((value) => (value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value));
      port.postMessage({ id: request.id, rows: statement.all(...parameters) } satisfies ScanReply);
    } catch (error) {
      port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies ScanReply);
    }
  });
}
