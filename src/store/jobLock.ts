/**
 * A named lock held for the length of one background run, so two replicas never run the same job at once.
 * PostgreSQL: a session-level advisory lock on a connection kept out of the pool for the run (the work itself
 * uses the pool). SQLite serves one process, so a lock within the process is enough.
 */
import { sql, type Kysely } from "kysely";
import type { Database } from "./schema.js";

export type LockedRun<T> = { acquired: true; value: T } | { acquired: false };

/** Runs `work` while holding the lock `name`; answers `{ acquired: false }` at once when someone else holds it. */
export type JobLock = <T>(name: string, work: () => Promise<T>) => Promise<LockedRun<T>>;

/** The first key of every advisory lock Switchyard takes: "SY", apart from other applications' locks. */
export const ADVISORY_LOCK_CLASS = 0x5359;

export function createJobLock(db: Kysely<Database>, dialect: "sqlite" | "postgres"): JobLock {
  if (dialect === "sqlite") {
    const held = new Set<string>();
    return async (name, work) => {
      if (held.has(name)) return { acquired: false };
      held.add(name);
      try {
        return { acquired: true, value: await work() };
      } finally {
        held.delete(name);
      }
    };
  }
  return (name, work) =>
    db.connection().execute(async (connection) => {
      const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${ADVISORY_LOCK_CLASS}::int, hashtext(${name})) as locked`.execute(connection);
      if (rows[0]?.locked !== true) return { acquired: false };
      try {
        return { acquired: true, value: await work() };
      } finally {
        // A failed unlock means the connection is gone, and the server released the lock with it.
        await sql`select pg_advisory_unlock(${ADVISORY_LOCK_CLASS}::int, hashtext(${name}))`.execute(connection).catch(() => undefined);
      }
    });
}
