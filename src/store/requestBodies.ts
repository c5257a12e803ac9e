/**
 * Logged request bodies (requestLog.bodies): each chat request's prompt and answer, already scrubbed and cut by
 * the body log, under the request's id. Rows arrive in batches; the request detail reads one request's latest
 * row; retention takes the oldest in batches, like the ledger's.
 */
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";
import type { RequestBodiesRow } from "./requestBodiesTable.js";
import type { Keep } from "./retentionStore.js";

export interface RequestBodyRecord {
  id: string;
  requestId: string;
  /** Epoch ms. */
  createdAt: number;
  /** JSON text of the request, or its first maxChars characters when `truncated`. */
  request: string;
  answer: string;
  /** JSON text of ToolCall[]; null when the answer called no tool. */
  toolCalls: string | null;
  truncated: boolean;
}

export interface RequestBodyStore {
  /** Writes the records in one transaction; a record whose id is already stored is skipped (a retried batch). */
  append(records: readonly RequestBodyRecord[]): Promise<void>;
  /** The latest bodies logged for the request (a retried chat job logs its request again). */
  find(requestId: string): Promise<RequestBodyRecord | undefined>;
  /** Rows logged before `before` (epoch ms): what a retention run would take. */
  countExpired(before: number): Promise<number>;
  /** Takes up to `limit` rows logged before `before`, oldest first, handing them to `keep` first; returns how many. */
  takeExpired(before: number, limit: number, keep?: Keep<RequestBodiesRow>): Promise<number>;
}

// 7 columns × 100 rows stays well under SQLite's and PostgreSQL's bound-parameter limits.
const INSERT_CHUNK = 100;

export function createRequestBodyStore(db: Kysely<Database>, dialect: "sqlite" | "postgres"): RequestBodyStore {
  return {
    async append(records) {
      if (records.length === 0) return;
      const rows = records.map(toRow);
      await db.transaction().execute(async (trx) => {
        for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
          await trx
            .insertInto("request_bodies")
            .values(rows.slice(start, start + INSERT_CHUNK))
            .onConflict((conflict) => conflict.column("id").doNothing())
            .execute();
        }
      });
    },

    async find(requestId) {
      const row = await db
        .selectFrom("request_bodies")
        .selectAll()
        .where("request_id", "=", requestId)
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },

    async countExpired(before) {
      const row = await db
        .selectFrom("request_bodies")
        .select((eb) => eb.fn.countAll<number | string>().as("n"))
        .where("created_at", "<", before)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async takeExpired(before, limit, keep) {
      return db.transaction().execute(async (trx) => {
        const rows = await trx
          .selectFrom("request_bodies")
          .selectAll()
          .where("created_at", "<", before)
          .orderBy("created_at")
          .orderBy("id")
          .limit(limit)
          // Locked on PostgreSQL, as retentionStore's batches are: the rows archived are exactly the rows deleted.
          .$if(dialect === "postgres", (q) => q.forUpdate())
          .execute();
        if (rows.length === 0) return 0;
        if (keep !== undefined) await keep(rows);
        const result = await trx
          .deleteFrom("request_bodies")
          .where(
            "id",
            "in",
            rows.map((row) => row.id),
          )
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    },
  };
}

function toRow(record: RequestBodyRecord): RequestBodiesRow {
  return {
    id: record.id,
    request_id: record.requestId,
    created_at: record.createdAt,
    request: record.request,
    answer: record.answer,
    tool_calls: record.toolCalls,
    truncated: record.truncated ? 1 : 0,
  };
}

function toRecord(row: RequestBodiesRow): RequestBodyRecord {
  return {
    id: row.id,
    requestId: row.request_id,
    createdAt: Number(row.created_at),
    request: row.request,
    answer: row.answer,
    toolCalls: row.tool_calls,
    truncated: row.truncated === 1,
  };
}
