import pg from "pg";
import { PostgresDialect } from "kysely";
import type { StoreLogger } from "./storeLogger.js";

const INT8_OID = 20;

/** Kysely over a pg Pool sized for one gateway replica. */
export function postgresDialect(connectionString: string, logger: StoreLogger | undefined): PostgresDialect {
  // Per-pool parsers rather than pg.types.setTypeParser, which would change every pg user in the process.
  // int8 holds epoch milliseconds and counts, all far below 2^53, so plain numbers are exact.
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, (value: string) => Number(value));

  const pool = new pg.Pool({
    connectionString,
    types,
    max: 10,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client whose server went away emits here; unhandled, that would crash the process. The pool drops
  // the client and the next query connects afresh (or fails, which readiness probes report).
  pool.on("error", (error) => {
    logger?.info({ err: error }, "store: idle PostgreSQL connection failed and was discarded");
  });
  return new PostgresDialect({ pool });
}
