import pg from "pg";
import { PostgresDialect } from "kysely";
import type { StorePoolConfig } from "../config/storeSchema.js";
import type { StoreLogger } from "./storeLogger.js";

const INT8_OID = 20;

/**
 * Kysely over a pg Pool sized for one gateway replica. Without `settings` (one-shot CLI commands such as
 * `migrate`) the pool is small, opens nothing ahead of use and sets no statement timeout, so a long migration is
 * not cut off.
 */
export function postgresDialect(
  connectionString: string,
  logger: StoreLogger | undefined,
  settings?: StorePoolConfig,
): { dialect: PostgresDialect; pool: pg.Pool } {
  // Per-pool parsers rather than pg.types.setTypeParser, which would change every pg user in the process.
  // int8 holds epoch milliseconds and counts, all far below 2^53, so plain numbers are exact.
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, (value: string) => Number(value));

  const pool = new pg.Pool({
    connectionString,
    types,
    ...poolOptions(settings),
    // A connection is checked before its first use: the handshake alone can succeed where queries cannot (a
    // pooler such as PgBouncer answers it before it has a server connection). A failed check ends the client, so
    // the pool never hands it out, and the checkout fails with the cause.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- pg-pool awaits onConnect and fails the checkout on a rejection; @types/pg types it as returning void
    onConnect: async (client) => {
      try {
        await client.query("select 1");
      } catch (error) {
        throw new Error(`A new PostgreSQL connection failed its check (select 1): ${messageOf(error)}`, { cause: error });
      }
    },
  });
  // An idle client whose server went away emits here; unhandled, that would crash the process. The pool drops
  // the client and the next query connects afresh (or fails, which readiness probes report).
  pool.on("error", (error) => {
    logger?.info({ err: error }, "store: idle PostgreSQL connection failed and was discarded");
  });
  // A checked-out client whose connection drops between queries emits 'error' with no pool listener attached
  // (the pool only listens while a client is idle): without this, a database restart would crash the process.
  // The query in flight, if any, still rejects; the broken client is discarded when it is released.
  pool.on("connect", (client) => {
    client.on("error", (error) => logger?.info({ err: error }, "store: PostgreSQL connection lost"));
  });

  const min = Math.min(pool.options.min ?? 0, pool.options.max ?? 0);
  // Kysely asks for the pool before its first query (the migrations at open), so the warm-up runs once, then.
  const dialect = new PostgresDialect({ pool: min > 0 ? () => warmUp(pool, min, logger) : pool });
  return { dialect, pool };
}

function poolOptions(settings: StorePoolConfig | undefined): pg.PoolConfig {
  if (settings === undefined) return { max: 10, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000 };
  return {
    min: settings.min,
    max: settings.max,
    idleTimeoutMillis: settings.idleTimeoutMs,
    // pg-pool counts lifetimes in seconds; 0 keeps connections for good.
    maxLifetimeSeconds: Math.ceil(settings.maxLifetimeMs / 1000),
    connectionTimeoutMillis: settings.connectionTimeoutMs,
    // A startup parameter of every connection: the server cancels the statement (SQLSTATE 57014) and the
    // connection stays usable. pg's client-side query_timeout would only stop waiting while the server ran on.
    // 0 sends nothing, which leaves the server's (or the role's) own setting in force.
    ...(settings.statementTimeoutMs > 0 ? { statement_timeout: settings.statementTimeoutMs } : {}),
  };
}

/**
 * pg-pool keeps `min` connections through idle periods but never opens them by itself. Opening them at start moves
 * the connection cost (TCP, TLS, authentication) out of the first requests after a deploy, and shows a server
 * that refuses that many connections at start rather than under load. Partial failure is logged, not fatal (the
 * pool opens connections on demand anyway); total failure means the server is unreachable, and is reported now.
 */
async function warmUp(pool: pg.Pool, count: number, logger: StoreLogger | undefined): Promise<pg.Pool> {
  const attempts = await Promise.allSettled(Array.from({ length: count }, () => pool.connect()));
  const failures: unknown[] = [];
  for (const attempt of attempts) {
    if (attempt.status === "fulfilled") attempt.value.release();
    else failures.push(attempt.reason);
  }
  if (failures.length === count) throw failures[0];
  if (failures.length > 0) {
    logger?.info({ err: failures[0], opened: count - failures.length, wanted: count }, "store: could not open every minimum connection");
  }
  return pool;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
