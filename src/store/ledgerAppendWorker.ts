/**
 * The thread that writes the SQLite usage ledger, so its inserts, commits and WAL checkpoints (which fsync) never
 * hold the event loop. It has a connection of its own to the store's file (WAL lets the main connection read and
 * write meanwhile), opened through sqliteDialect so its pragmas are the store's, and writes each batch with the
 * ledger's own append: the same Kysely insert in one transaction, rather than a prepared statement of its own,
 * so the column list and the conflict rule live in one place; compiling that insert costs this thread, not the
 * event loop. Messages in: `{kind: "append", id, records}` (one at a time), `{kind: "close"}`; out: `{id}` once
 * the batch is committed, or `{id, error}`.
 */
import { parentPort, workerData } from "node:worker_threads";
import { Kysely } from "kysely";
import type { Database } from "./schema.js";
import { sqliteDialect } from "./sqliteDialect.js";
import { createUsageLedger, type UsageRecord } from "./usageLedger.js";

export type LedgerRequest = { kind: "append"; id: number; records: readonly UsageRecord[] } | { kind: "close" };

export type LedgerReply = { id: number } | { id: number; error: { message: string; code?: string | undefined } };

const port = parentPort;
if (port !== null) {
  const { filename } = workerData as { filename: string };
  const db = new Kysely<Database>({ dialect: sqliteDialect(filename) });
  const ledger = createUsageLedger(db);

  port.on("message", (request: LedgerRequest) => {
    if (request.kind === "close") {
      // With the port closed nothing is left to run, so the thread ends once the connection is closed.
      void db.destroy().finally(() => port.close());
      return;
    }
    ledger.append(request.records).then(
      () => port.postMessage({ id: request.id } satisfies LedgerReply),
      (error: unknown) => port.postMessage({ id: request.id, error: describe(error) } satisfies LedgerReply),
    );
  });
}

// SQLite's error code (SQLITE_BUSY, SQLITE_FULL) says more in the writer's log than the message alone.
function describe(error: unknown): { message: string; code?: string | undefined } {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { message: error.message, code: typeof code === "string" ? code : undefined };
}
