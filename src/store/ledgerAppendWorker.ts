/**
 * The thread that writes the SQLite usage ledger, so its inserts, commits and WAL checkpoints (which fsync) never
 * hold the event loop. It has a connection of its own to the store's file (WAL lets the main connection read and
 * write meanwhile) with the store's settings, and writes each batch in one IMMEDIATE transaction. Messages in:
 * `{kind: "append", id, records}` (one at a time), `{kind: "close"}`; out: `{id}` once the batch is committed,
 * or `{id, error}`.
 *
 * The batch goes in through one prepared single-row statement run per row, not the ledger's Kysely insert: while
 * this transaction holds the write lock, a main-thread write that meets it waits in SQLite's busy handler with
 * the event loop stopped, and compiling and preparing a multi-row insert inside the transaction held the lock
 * for roughly half as long again. The columns come from the ledger's own row mapping (toUsageLedgerRow), so
 * there is no second column list; what is left to keep in step with usageLedger's append is its conflict rule.
 */
import { parentPort, workerData } from "node:worker_threads";
import type BetterSqlite3 from "better-sqlite3";
import { openSqliteDatabase } from "./openSqliteDatabase.js";
import { toUsageLedgerRow, type UsageRecord } from "./usageLedger.js";
import type { UsageLedgerRow } from "./usageLedgerTable.js";

export type LedgerRequest = { kind: "append"; id: number; records: readonly UsageRecord[] } | { kind: "close" };

export type LedgerReply = { id: number } | { id: number; error: { message: string; code?: string | undefined } };

const port = parentPort;
if (port !== null) {
  const { filename } = workerData as { filename: string };
  const database = openSqliteDatabase(filename);
  let insert: BetterSqlite3.Statement<[UsageLedgerRow]> | undefined;
  const insertAll = database.transaction((rows: readonly UsageLedgerRow[]) => {
    for (const row of rows) {
      insert ??= prepareInsert(database, row);
      insert.run(row);
    }
  });

  port.on("message", (request: LedgerRequest) => {
    if (request.kind === "close") {
      // With the port closed nothing is left to run, so the thread ends.
      database.close();
      port.close();
      return;
    }
    try {
      insertAll.immediate(request.records.map(toUsageLedgerRow));
      port.postMessage({ id: request.id } satisfies LedgerReply);
    } catch (error) {
      port.postMessage({ id: request.id, error: describe(error) } satisfies LedgerReply);
    }
  });
}

// Like usageLedger's append, an id already written is skipped: a batch retried after an unseen commit lands once.
function prepareInsert(database: BetterSqlite3.Database, sample: UsageLedgerRow): BetterSqlite3.Statement<[UsageLedgerRow]> {
  const columns = Object.keys(sample);
  const names = columns.map((column) => `"${column}"`).join(", ");
  const values = columns.map((column) => `@${column}`).join(", ");
  return database.prepare<[UsageLedgerRow]>(`insert into usage_ledger (${names}) values (${values}) on conflict (id) do nothing`);
}

// SQLite's error code (SQLITE_BUSY, SQLITE_FULL) says more in the writer's log than the message alone.
function describe(error: unknown): { message: string; code?: string | undefined } {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { message: error.message, code: typeof code === "string" ? code : undefined };
}
