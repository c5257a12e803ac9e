/**
 * Daily usage roll-ups: the ledger summed per UTC day and (user, key, engine, model). A day is recomputed whole,
 * so re-running gives the same rows and ledger rows written late are counted by the next run. The ledger is read
 * in keyset batches outside any transaction; only the replace of the day's rows is a (short) transaction.
 */
import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "./schema.js";
import type { UsageDailyTable } from "./usageRollupTables.js";
import type { UsageTotals } from "./usageLedger.js";
import { assertLimit, decodeCursor, pageOf } from "./cursor.js";
import { ADVISORY_LOCK_CLASS } from "./jobLock.js";
import { DAY_MS, dayOf, dayStart, nextDay } from "./utcDay.js";
import { yieldToEventLoop } from "./yieldToEventLoop.js";

export type UsageGroupBy = "user" | "key" | "engine" | "model";

export interface DayRollup {
  day: string;
  /** sealed: retention has begun purging the day's ledger rows, so its roll-up is final and was left alone. */
  outcome: "rolled-up" | "sealed";
  requests: number;
  /** Rows of the roll-up table the day has. */
  groups: number;
}

export interface DailyUsageQuery {
  /** Days, YYYY-MM-DD: from inclusive, to exclusive. */
  from: string;
  to: string;
  groupBy?: UsageGroupBy | undefined;
}

export interface DailyUsageItem {
  day: string;
  /** The groupBy column's value (null: no key, engine or model); absent without groupBy. */
  group?: string | null;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface DayPurgeState {
  /** Ledger rows of the day now. */
  rows: number;
  /** Whether the day's ledger rows may go: sealed already, or rolled up and unchanged since. */
  ready: boolean;
}

export interface UsageRollupStore {
  recomputeDay(day: string, options: { batchSize: number; now: number; signal?: AbortSignal | undefined }): Promise<DayRollup>;
  /** Days with ledger rows before `before` (epoch ms) that were never rolled up, oldest first. */
  daysNotRolledUp(before: number, signal?: AbortSignal): Promise<string[]>;
  /** What retention may do with a day's ledger rows. */
  purgeState(day: string): Promise<DayPurgeState>;
  /**
   * Marks the day final before its ledger rows are deleted, if it is rolled up and the ledger still holds exactly
   * the rows counted; false otherwise (not rolled up, or late rows since).
   */
  seal(day: string, now: number): Promise<boolean>;
  daily(query: DailyUsageQuery, page: { limit: number; cursor?: string | undefined }): Promise<{ items: DailyUsageItem[]; nextCursor: string | null }>;
  dailyTotals(query: DailyUsageQuery): Promise<UsageTotals>;
}

const GROUP_COLUMN = { user: "user_id", key: "key_id", engine: "engine", model: "model" } as const;
const INSERT_CHUNK = 100;
const CURSOR_KIND = "usage-daily";
type DailyKey = readonly [day: string, group: string];
const isDailyKey = (parts: readonly unknown[]): parts is DailyKey =>
  parts.length === 2 && typeof parts[0] === "string" && typeof parts[1] === "string";

interface Sum {
  requests: number;
  input: number;
  output: number;
  cost: number;
}

export function createUsageRollupStore(db: Kysely<Database>, dialect: "sqlite" | "postgres"): UsageRollupStore {
  // Serializes the writers of one day (a roll-up and retention's seal) across replicas; SQLite has one connection.
  const lockDay = async (trx: Transaction<Database>, day: string) => {
    if (dialect === "postgres") await sql`select pg_advisory_xact_lock(${ADVISORY_LOCK_CLASS + 1}::int, ${dayStart(day) / DAY_MS}::int)`.execute(trx);
  };
  const ledgerRows = async (executor: Kysely<Database>, day: string) => {
    const row = await executor
      .selectFrom("usage_ledger")
      .select((eb) => eb.fn.countAll<number | string>().as("rows"))
      .where("created_at", ">=", dayStart(day))
      .where("created_at", "<", dayStart(nextDay(day)))
      .executeTakeFirstOrThrow();
    return Number(row.rows);
  };

  const sumDay = async (day: string, batchSize: number, signal: AbortSignal | undefined) => {
    const start = dayStart(day);
    const end = dayStart(nextDay(day));
    const sums = new Map<string, { row: Pick<UsageDailyTable, "day" | "user_id" | "key_id" | "engine" | "model">; sum: Sum }>();
    let after: readonly [number, string] | undefined;
    for (;;) {
      await yieldToEventLoop();
      signal?.throwIfAborted();
      // The batchSize-th row after the last batch bounds this batch, so no statement sums more than batchSize rows.
      let range = db.selectFrom("usage_ledger").where("created_at", ">=", start).where("created_at", "<", end);
      if (after !== undefined) {
        const [at, id] = after;
        range = range.where((eb) => eb.or([eb("created_at", ">", at), eb.and([eb("created_at", "=", at), eb("id", ">", id)])]));
      }
      const bound = await range.select(["created_at", "id"]).orderBy("created_at").orderBy("id").offset(batchSize - 1).limit(1).executeTakeFirst();
      let batch = range;
      if (bound !== undefined) {
        const at = Number(bound.created_at);
        batch = batch.where((eb) => eb.or([eb("created_at", "<", at), eb.and([eb("created_at", "=", at), eb("id", "<=", bound.id)])]));
      }
      const rows = await batch
        .select((eb) => [
          "user_id",
          "key_id",
          "engine",
          "model",
          eb.fn.countAll<number | string>().as("requests"),
          eb.fn.sum<number | string>("input_tokens").as("input_tokens"),
          eb.fn.sum<number | string>("output_tokens").as("output_tokens"),
          eb.fn.sum<number | string>("cost_usd").as("cost_usd"),
        ])
        .groupBy(["user_id", "key_id", "engine", "model"])
        .execute();
      for (const row of rows) {
        const group = { day, user_id: row.user_id, key_id: row.key_id ?? "", engine: row.engine ?? "", model: row.model ?? "" };
        const name = JSON.stringify([group.user_id, group.key_id, group.engine, group.model]);
        const entry = sums.get(name) ?? { row: group, sum: { requests: 0, input: 0, output: 0, cost: 0 } };
        // PostgreSQL returns count and integer sums as text (int8/numeric); SQLite as numbers.
        entry.sum.requests += Number(row.requests);
        entry.sum.input += Number(row.input_tokens);
        entry.sum.output += Number(row.output_tokens);
        entry.sum.cost += Number(row.cost_usd);
        sums.set(name, entry);
      }
      if (bound === undefined) break;
      after = [Number(bound.created_at), bound.id];
    }
    return [...sums.values()].map(({ row, sum }): UsageDailyTable => ({
      ...row,
      requests: sum.requests,
      input_tokens: sum.input,
      output_tokens: sum.output,
      cost_usd: sum.cost,
    }));
  };

  const filtered = (query: DailyUsageQuery) => db.selectFrom("usage_daily").where("day", ">=", query.from).where("day", "<", query.to);
  const sums = [
    sql<number | string>`sum(requests)`.as("requests"),
    sql<number | string>`sum(input_tokens)`.as("input_tokens"),
    sql<number | string>`sum(output_tokens)`.as("output_tokens"),
    sql<number | string>`sum(cost_usd)`.as("cost_usd"),
  ];

  return {
    async recomputeDay(day, options) {
      const rows = await sumDay(day, options.batchSize, options.signal);
      options.signal?.throwIfAborted();
      const requests = rows.reduce((total, row) => total + row.requests, 0);
      return db.transaction().execute(async (trx) => {
        await lockDay(trx, day);
        const state = await trx.selectFrom("usage_rollup_days").select(["sealed_at", "requests"]).where("day", "=", day).executeTakeFirst();
        if (state !== undefined && state.sealed_at !== null) {
          const groups = await trx.selectFrom("usage_daily").select((eb) => eb.fn.countAll<number | string>().as("n")).where("day", "=", day).executeTakeFirstOrThrow();
          return { day, outcome: "sealed", requests: Number(state.requests), groups: Number(groups.n) };
        }
        await trx.deleteFrom("usage_daily").where("day", "=", day).execute();
        for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
          await trx.insertInto("usage_daily").values(rows.slice(start, start + INSERT_CHUNK)).execute();
        }
        await trx
          .insertInto("usage_rollup_days")
          .values({ day, requests, rolled_up_at: options.now, sealed_at: null })
          .onConflict((oc) => oc.column("day").doUpdateSet({ requests, rolled_up_at: options.now }))
          .execute();
        return { day, outcome: "rolled-up", requests, groups: rows.length };
      });
    },

    async daysNotRolledUp(before, signal) {
      const days: string[] = [];
      let from = 0;
      // One index seek per day that has rows: cheap however long the ledger is kept.
      for (;;) {
        await yieldToEventLoop();
        signal?.throwIfAborted();
        const first = await db
          .selectFrom("usage_ledger")
          .select("created_at")
          .where("created_at", ">=", from)
          .where("created_at", "<", before)
          .orderBy("created_at")
          .limit(1)
          .executeTakeFirst();
        if (first === undefined) return days;
        const day = dayOf(Number(first.created_at));
        const known = await db.selectFrom("usage_rollup_days").select("day").where("day", "=", day).executeTakeFirst();
        if (known === undefined) days.push(day);
        from = dayStart(nextDay(day));
      }
    },

    async purgeState(day) {
      const state = await db.selectFrom("usage_rollup_days").select(["requests", "sealed_at"]).where("day", "=", day).executeTakeFirst();
      const rows = await ledgerRows(db, day);
      return { rows, ready: state !== undefined && (state.sealed_at !== null || Number(state.requests) === rows) };
    },

    async seal(day, now) {
      return db.transaction().execute(async (trx) => {
        await lockDay(trx, day);
        const state = await trx.selectFrom("usage_rollup_days").select(["requests", "sealed_at"]).where("day", "=", day).executeTakeFirst();
        if (state === undefined) return false;
        if (state.sealed_at !== null) return true;
        if (Number(state.requests) !== (await ledgerRows(trx, day))) return false;
        await trx.updateTable("usage_rollup_days").set({ sealed_at: now }).where("day", "=", day).execute();
        return true;
      });
    },

    async daily(query, page) {
      assertLimit(page.limit, 1);
      const after = page.cursor === undefined ? undefined : decodeCursor(CURSOR_KIND, page.cursor, isDailyKey);
      let q = filtered(query);
      if (query.groupBy === undefined) {
        if (after !== undefined) q = q.where("day", ">", after[0]);
        const rows = await q.select(["day", ...sums]).groupBy("day").orderBy("day").limit(page.limit + 1).execute();
        return pageOf(rows, page.limit, (row) => ({ day: row.day, ...totalsOf(row) }), CURSOR_KIND, (item) => [item.day, ""]);
      }
      const column = GROUP_COLUMN[query.groupBy];
      if (after !== undefined) {
        const [day, group] = after;
        q = q.where((eb) => eb.or([eb("day", ">", day), eb.and([eb("day", "=", day), eb(column, ">", group)])]));
      }
      const rows = await q
        .select(["day", sql.ref<string>(column).as("grp"), ...sums])
        .groupBy(["day", column])
        .orderBy("day")
        .orderBy(column)
        .limit(page.limit + 1)
        .execute();
      return pageOf(
        rows,
        page.limit,
        (row) => ({ day: row.day, group: row.grp === "" ? null : row.grp, ...totalsOf(row) }),
        CURSOR_KIND,
        (item) => [item.day, item.group ?? ""],
      );
    },

    async dailyTotals(query) {
      return totalsOf(await filtered(query).select(sums).executeTakeFirstOrThrow());
    },
  };
}

function totalsOf(row: { requests: number | string | null; input_tokens: number | string | null; output_tokens: number | string | null; cost_usd: number | string | null }): UsageTotals {
  return {
    requests: Number(row.requests ?? 0),
    inputTokens: Number(row.input_tokens ?? 0),
    outputTokens: Number(row.output_tokens ?? 0),
    costUsd: Number(row.cost_usd ?? 0),
  };
}
