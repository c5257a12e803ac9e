/**
 * The usage ledger: one row per chat request (tokens, cost, latency, outcome). Rows arrive in batches from the
 * metering writer, each batch in one transaction; reads page newest first and total over a filter.
 */
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";
import type { UsageLedgerRow, UsageStatus } from "./usageLedgerTable.js";
import { assertLimit, decodeCursor, pageOf } from "./cursor.js";
import { usageSeries, type UsageSeries, type UsageSeriesQuery } from "./usageSeries.js";
import { filteredUsage, type UsageFilter } from "./usageFilter.js";

export type { UsageStatus, UsageFilter };

export interface UsageRecord {
  id: string;
  createdAt: number;
  requestId: string;
  traceId: string;
  keyId: string | null;
  userId: string;
  route: string | null;
  engine: string | null;
  model: string | null;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  costUsd: number;
  estimated: boolean;
  latencyMs: number;
  ttftMs: number | null;
  status: UsageStatus;
  errorCode: string | null;
}

export interface UsageTotals {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface UsagePage {
  items: UsageRecord[];
  nextCursor: string | null;
}

export interface UsageLedger {
  /**
   * Writes the records in one transaction. A record whose id is already in the ledger is skipped: a batch
   * retried after its first try committed unseen (a lost reply, a writer thread gone after COMMIT) lands once.
   */
  append(records: readonly UsageRecord[]): Promise<void>;
  /** Newest first; keyset pagination with an opaque cursor. */
  list(filter: UsageFilter, page: { limit: number; cursor?: string | undefined }): Promise<UsagePage>;
  totals(filter: UsageFilter): Promise<UsageTotals>;
  /** Cost in USD a key or a user ran up since `since` (epoch ms): what a budget window has spent. */
  spentSince(subject: { kind: "key" | "user"; id: string }, since: number): Promise<number>;
  /** What each user with ledger rows since `since` (epoch ms) spent, in one grouped read (budget listings). */
  spentSinceByUser(since: number): Promise<Map<string, number>>;
  /** Requests, errors, tokens, cost and latency percentiles per time bucket (and group): see usageSeries. */
  series(query: UsageSeriesQuery): Promise<UsageSeries>;
}

// 20 columns × 100 rows stays well under SQLite's and PostgreSQL's bound-parameter limits.
const INSERT_CHUNK = 100;
const CURSOR_KIND = "usage";
type UsageKey = readonly [createdAt: number, id: string];

const isUsageKey = (parts: readonly unknown[]): parts is UsageKey =>
  parts.length === 2 && Number.isSafeInteger(parts[0]) && typeof parts[1] === "string";

export function createUsageLedger(db: Kysely<Database>): UsageLedger {
  return {
    async append(records) {
      if (records.length === 0) return;
      const rows = records.map(toUsageLedgerRow);
      await db.transaction().execute(async (trx) => {
        for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
          await trx
            .insertInto("usage_ledger")
            .values(rows.slice(start, start + INSERT_CHUNK))
            .onConflict((conflict) => conflict.column("id").doNothing())
            .execute();
        }
      });
    },

    async list(filter, page) {
      assertLimit(page.limit, 1);
      const after = page.cursor === undefined ? undefined : decodeCursor(CURSOR_KIND, page.cursor, isUsageKey);
      let query = filteredUsage(db.selectFrom("usage_ledger").selectAll(), filter);
      if (after !== undefined) {
        const [createdAt, id] = after;
        // The plain bound is implied by the OR; it is there so planners seek to the cursor (see sessions.list).
        query = query
          .where("created_at", "<=", createdAt)
          .where((eb) => eb.or([eb("created_at", "<", createdAt), eb.and([eb("created_at", "=", createdAt), eb("id", "<", id)])]));
      }
      const rows = await query
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .limit(page.limit + 1)
        .execute();
      return pageOf(rows, page.limit, toRecord, CURSOR_KIND, (record) => [record.createdAt, record.id]);
    },

    async totals(filter) {
      const row = await filteredUsage(
        db
          .selectFrom("usage_ledger")
          .select((eb) => [
            eb.fn.countAll<number | string>().as("requests"),
            eb.fn.sum<number | string | null>("input_tokens").as("input_tokens"),
            eb.fn.sum<number | string | null>("output_tokens").as("output_tokens"),
            eb.fn.sum<number | string | null>("cost_usd").as("cost_usd"),
          ]),
        filter,
      ).executeTakeFirstOrThrow();
      // PostgreSQL returns count and integer sums as text (numeric/int8); SQLite as numbers.
      return {
        requests: Number(row.requests),
        inputTokens: Number(row.input_tokens ?? 0),
        outputTokens: Number(row.output_tokens ?? 0),
        costUsd: Number(row.cost_usd ?? 0),
      };
    },

    async spentSince(subject, since) {
      const column = subject.kind === "key" ? "key_id" : "user_id";
      const row = await db
        .selectFrom("usage_ledger")
        .select((eb) => eb.fn.sum<number | string | null>("cost_usd").as("spent"))
        .where(column, "=", subject.id)
        .where("created_at", ">=", since)
        .executeTakeFirstOrThrow();
      return Number(row.spent ?? 0);
    },

    async spentSinceByUser(since) {
      const rows = await db
        .selectFrom("usage_ledger")
        .select((eb) => ["user_id", eb.fn.sum<number | string | null>("cost_usd").as("spent")])
        .where("created_at", ">=", since)
        .groupBy("user_id")
        .execute();
      return new Map(rows.map((row) => [row.user_id, Number(row.spent ?? 0)]));
    },

    series: (query) => usageSeries(db, query),
  };
}

/** The row a record is stored as; the ledger thread writes it too. */
export function toUsageLedgerRow(record: UsageRecord): UsageLedgerRow {
  return {
    id: record.id,
    created_at: record.createdAt,
    request_id: record.requestId,
    trace_id: record.traceId,
    key_id: record.keyId,
    user_id: record.userId,
    route: record.route,
    engine: record.engine,
    model: record.model,
    input_tokens: record.inputTokens,
    cached_input_tokens: record.cachedInputTokens,
    output_tokens: record.outputTokens,
    reasoning_tokens: record.reasoningTokens,
    cost_usd: record.costUsd,
    estimated: record.estimated ? 1 : 0,
    latency_ms: record.latencyMs,
    ttft_ms: record.ttftMs,
    status: record.status,
    error_code: record.errorCode,
  };
}

function toRecord(row: UsageLedgerRow): UsageRecord {
  return {
    id: row.id,
    createdAt: Number(row.created_at),
    requestId: row.request_id,
    traceId: row.trace_id,
    keyId: row.key_id,
    userId: row.user_id,
    route: row.route,
    engine: row.engine,
    model: row.model,
    inputTokens: row.input_tokens,
    cachedInputTokens: row.cached_input_tokens,
    outputTokens: row.output_tokens,
    reasoningTokens: row.reasoning_tokens,
    costUsd: Number(row.cost_usd),
    estimated: row.estimated === 1,
    latencyMs: row.latency_ms,
    ttftMs: row.ttft_ms,
    status: row.status,
    errorCode: row.error_code,
  };
}
