/**
 * The statements retention runs: find what has expired, and take it away in batches. Each batch is one short
 * transaction that reads its rows (locking them on PostgreSQL), hands them to `keep` (the archive) and deletes
 * exactly those rows, so what is archived is what is deleted and no statement touches more than a batch.
 */
import type { Kysely, Transaction } from "kysely";
import type { Database, MessageRow, SessionRow } from "./schema.js";
import type { UsageLedgerRow } from "./usageLedgerTable.js";
import { createJobLock, type JobLock } from "./jobLock.js";
import { dayOf, dayStart, nextDay } from "./utcDay.js";

/** Receives a batch before it is deleted; when it throws, nothing of the batch is deleted. */
export type Keep<Row> = (rows: readonly Row[]) => Promise<void>;

export interface SessionKey {
  id: string;
  updatedAt: number;
}

export interface RetentionStore {
  /** Runs `work` as the only holder of the lock `name` across replicas (see jobLock). */
  exclusive: JobLock;
  /** Up to `limit` sessions idle since before `before` (epoch ms), oldest activity first, after `after`. */
  expiredSessions(before: number, limit: number, after?: SessionKey): Promise<SessionKey[]>;
  /** Takes up to `limit` messages of those of `sessionIds` still idle since before `before`; returns how many. */
  takeMessages(sessionIds: readonly string[], before: number, limit: number, keep?: Keep<MessageRow>): Promise<number>;
  /** Takes those of `sessionIds` still idle since before `before` (their remaining messages go with them). */
  takeSessions(sessionIds: readonly string[], before: number, keep?: Keep<SessionRow>): Promise<number>;
  /** Sessions idle since before `before`, and their messages. */
  countExpiredSessions(before: number): Promise<{ sessions: number; messages: number }>;
  /** The oldest day at or after `from` (epoch ms) with ledger rows created before `before`. */
  nextLedgerDay(from: number, before: number): Promise<string | undefined>;
  /** Takes up to `limit` of the day's ledger rows, oldest first. */
  takeLedgerRows(day: string, limit: number, keep?: Keep<UsageLedgerRow>): Promise<number>;
}

export function createRetentionStore(db: Kysely<Database>, dialect: "sqlite" | "postgres"): RetentionStore {
  const locking = dialect === "postgres";

  return {
    exclusive: createJobLock(db, dialect),

    async expiredSessions(before, limit, after) {
      let query = db.selectFrom("sessions").select(["id", "updated_at"]).where("updated_at", "<", before);
      if (after !== undefined) {
        query = query.where((eb) => eb.or([eb("updated_at", ">", after.updatedAt), eb.and([eb("updated_at", "=", after.updatedAt), eb("id", ">", after.id)])]));
      }
      const rows = await query.orderBy("updated_at").orderBy("id").limit(limit).execute();
      return rows.map((row) => ({ id: row.id, updatedAt: Number(row.updated_at) }));
    },

    async takeMessages(sessionIds, before, limit, keep) {
      if (sessionIds.length === 0) return 0;
      return db.transaction().execute(async (trx) => {
        const expired = trx.selectFrom("sessions").select("id").where("id", "in", sessionIds).where("updated_at", "<", before);
        const rows = await trx
          .selectFrom("messages")
          .selectAll()
          .where("session_id", "in", expired)
          .orderBy("session_id")
          .orderBy("seq")
          .limit(limit)
          .$if(locking, (q) => q.forUpdate())
          .execute();
        return remove(trx, "messages", rows, keep);
      });
    },

    async takeSessions(sessionIds, before, keep) {
      if (sessionIds.length === 0) return 0;
      return db.transaction().execute(async (trx) => {
        const rows = await trx
          .selectFrom("sessions")
          .selectAll()
          .where("id", "in", sessionIds)
          .where("updated_at", "<", before)
          .$if(locking, (q) => q.forUpdate())
          .execute();
        return remove(trx, "sessions", rows, keep);
      });
    },

    async countExpiredSessions(before) {
      const expired = db.selectFrom("sessions").select("id").where("updated_at", "<", before);
      const sessions = await db.selectFrom("sessions").select((eb) => eb.fn.countAll<number | string>().as("n")).where("updated_at", "<", before).executeTakeFirstOrThrow();
      const messages = await db.selectFrom("messages").select((eb) => eb.fn.countAll<number | string>().as("n")).where("session_id", "in", expired).executeTakeFirstOrThrow();
      return { sessions: Number(sessions.n), messages: Number(messages.n) };
    },

    async nextLedgerDay(from, before) {
      const first = await db
        .selectFrom("usage_ledger")
        .select("created_at")
        .where("created_at", ">=", from)
        .where("created_at", "<", before)
        .orderBy("created_at")
        .limit(1)
        .executeTakeFirst();
      return first === undefined ? undefined : dayOf(Number(first.created_at));
    },

    async takeLedgerRows(day, limit, keep) {
      return db.transaction().execute(async (trx) => {
        const rows = await trx
          .selectFrom("usage_ledger")
          .selectAll()
          .where("created_at", ">=", dayStart(day))
          .where("created_at", "<", dayStart(nextDay(day)))
          .orderBy("created_at")
          .orderBy("id")
          .limit(limit)
          .$if(locking, (q) => q.forUpdate())
          .execute();
        return remove(trx, "usage_ledger", rows, keep);
      });
    },
  };
}

async function remove<Row extends { id: string }>(
  trx: Transaction<Database>,
  table: "messages" | "sessions" | "usage_ledger",
  rows: readonly Row[],
  keep: Keep<Row> | undefined,
): Promise<number> {
  if (rows.length === 0) return 0;
  if (keep !== undefined) await keep(rows);
  const result = await trx
    .deleteFrom(table)
    .where(
      "id",
      "in",
      rows.map((row) => row.id),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
