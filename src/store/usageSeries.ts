/**
 * The usage ledger as time series: per UTC hour or day (and, optionally, per user, key, engine, model or route),
 * requests, errors, tokens, cost, and latency and time-to-first-token percentiles (nearest rank). Points are
 * dense: every bucket of the window has one, zeros where nothing happened, so a chart needs no gap filling.
 *
 * The window's rows are read in keyset batches of only the columns needed, and summed and ranked here, with the
 * event loop free between batches: one statement that sorted a whole window for its percentiles (window functions)
 * held better-sqlite3's thread for about a second at 200,000 rows. Buckets are UTC hours and days, whole multiples
 * of epoch ms, so bucketing is arithmetic on the timestamp, the same on both dialects. A window with more than
 * `maxRows` matching rows is refused up front (a count that stops at the bound), which bounds the time and the
 * memory (two numbers per row) of one call.
 */
import { sql, type Kysely, type RawBuilder } from "kysely";
import { GatewayError } from "../errors.js";
import type { Database } from "./schema.js";
import { filteredUsage, type UsageFilter } from "./usageFilter.js";
import { yieldToEventLoop } from "./yieldToEventLoop.js";

export type SeriesBucket = "hour" | "day";
export type SeriesGroupBy = "none" | "user" | "key" | "engine" | "model" | "route";

export const BUCKET_MS: Readonly<Record<SeriesBucket, number>> = { hour: 3_600_000, day: 86_400_000 };
/** Points per series, at most: 2,000 hours is about 83 days, 2,000 days about five and a half years. */
export const MAX_BUCKETS = 2_000;

export interface UsageSeriesQuery {
  /** Epoch ms; rounded down to the start of its bucket. */
  from: number;
  /** Epoch ms, exclusive; rounded up to the end of its bucket. */
  to: number;
  bucket: SeriesBucket;
  groupBy: SeriesGroupBy;
  filter: Omit<UsageFilter, "from" | "to">;
  /** Series returned at most: the groups with the most requests (the rest are counted in omittedGroups). */
  maxSeries: number;
  /** More matching rows than this and the window is refused with invalid_request. */
  maxRows: number;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

export interface SeriesPoint {
  /** Epoch ms of the bucket's first millisecond. */
  start: number;
  requests: number;
  /** Requests that failed or were rejected. */
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Over the bucket's requests that were not rejected (a refusal never reached an engine); null: none. */
  latencyMs: Percentiles | null;
  /** Over the bucket's requests that produced a first token; null: none. */
  ttftMs: Percentiles | null;
}

export interface UsageSeries {
  /** The window actually covered, in whole buckets. */
  from: number;
  to: number;
  series: Array<{ group: string | null; points: SeriesPoint[] }>;
  /** Groups left out by maxSeries. */
  omittedGroups: number;
}

const GROUP_COLUMN = { user: "user_id", key: "key_id", engine: "engine", model: "model", route: "route" } as const;
/** Rows per read: around ten milliseconds of SQLite's time each, so other requests are never held up for long. */
const BATCH_ROWS = 2_000;

interface Cell {
  group: string | null;
  point: SeriesPoint;
  latencies: number[];
  ttfts: number[];
}

export async function usageSeries(db: Kysely<Database>, query: UsageSeriesQuery): Promise<UsageSeries> {
  const ms = BUCKET_MS[query.bucket];
  const from = Math.floor(query.from / ms) * ms;
  const to = Math.ceil(query.to / ms) * ms;
  const buckets = (to - from) / ms;
  if (buckets > MAX_BUCKETS) {
    throw new GatewayError("invalid_request", `the window spans ${buckets} ${query.bucket}s; at most ${MAX_BUCKETS} fit in one series (use a larger bucket or a shorter window)`, { param: "from" });
  }
  const window = { ...query.filter, from, to };
  const rows = () => filteredUsage(db.selectFrom("usage_ledger"), window);

  // Counting stops at the bound, so a refusal costs no more than an answer would.
  const capped = await db
    .selectFrom(rows().select(sql<number>`1`.as("one")).limit(query.maxRows + 1).as("capped"))
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .executeTakeFirstOrThrow();
  if (Number(capped.n) > query.maxRows) {
    throw new GatewayError("invalid_request", `more than ${query.maxRows} requests fall in this window: shorten it or filter further`, { param: "from" });
  }

  const column = query.groupBy === "none" ? undefined : GROUP_COLUMN[query.groupBy];
  const group: RawBuilder<string | null> = column === undefined ? sql<null>`cast(null as text)` : sql<string | null>`${sql.ref(column)}`;
  const cells = new Map<string, Cell>();
  let after: readonly [number, string] | undefined;
  for (;;) {
    await yieldToEventLoop();
    let batch = rows();
    if (after !== undefined) {
      const [at, id] = after;
      // The plain bound is implied by the OR; it is there so planners seek to the position (see usageLedger.list).
      batch = batch.where("created_at", ">=", at).where((eb) => eb.or([eb("created_at", ">", at), eb.and([eb("created_at", "=", at), eb("id", ">", id)])]));
    }
    const read = await batch
      .select(["created_at", "id", group.as("grp"), "status", "input_tokens", "output_tokens", "cost_usd", "latency_ms", "ttft_ms"])
      .orderBy("created_at")
      .orderBy("id")
      .limit(BATCH_ROWS)
      .execute();
    for (const row of read) {
      const createdAt = Number(row.created_at);
      const start = Math.floor(createdAt / ms) * ms;
      const key = `${start}|${row.grp === null ? "" : `=${row.grp}`}`;
      let cell = cells.get(key);
      if (cell === undefined) {
        cell = { group: row.grp, point: emptyPoint(start), latencies: [], ttfts: [] };
        cells.set(key, cell);
      }
      const point = cell.point;
      point.requests += 1;
      if (row.status === "failed" || row.status === "rejected") point.errors += 1;
      point.inputTokens += row.input_tokens;
      point.outputTokens += row.output_tokens;
      point.costUsd += Number(row.cost_usd);
      if (row.status !== "rejected") cell.latencies.push(row.latency_ms);
      if (row.ttft_ms !== null) cell.ttfts.push(row.ttft_ms);
    }
    const last = read.at(-1);
    if (last === undefined || read.length < BATCH_ROWS) break;
    after = [Number(last.created_at), last.id];
  }
  for (const cell of cells.values()) {
    cell.point.latencyMs = percentilesOf(cell.latencies);
    cell.point.ttftMs = percentilesOf(cell.ttfts);
  }
  return { from, to, ...denseSeries(cells, { from, to, ms, grouped: column !== undefined, maxSeries: query.maxSeries }) };
}

function emptyPoint(start: number): SeriesPoint {
  return { start, requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, latencyMs: null, ttftMs: null };
}

/** Nearest rank: the smallest value with at least p of the values at or below it, always one that was observed. */
function percentilesOf(values: readonly number[]): Percentiles | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

function denseSeries(
  cells: ReadonlyMap<string, Cell>,
  window: { from: number; to: number; ms: number; grouped: boolean; maxSeries: number },
): Pick<UsageSeries, "series" | "omittedGroups"> {
  const groups = new Map<string | null, { requests: number; points: Map<number, SeriesPoint> }>();
  // Without groupBy there is exactly one series, empty or not.
  if (!window.grouped) groups.set(null, { requests: 0, points: new Map() });
  for (const { group, point } of cells.values()) {
    const entry = groups.get(group) ?? { requests: 0, points: new Map<number, SeriesPoint>() };
    entry.requests += point.requests;
    entry.points.set(point.start, point);
    groups.set(group, entry);
  }
  // Busiest first; ties by name, the requests with no key (engine, model, route) last.
  const ordered = [...groups.entries()].sort(([a, x], [b, y]) => y.requests - x.requests || (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0));
  const kept = ordered.slice(0, window.maxSeries);
  const series = kept.map(([group, entry]) => {
    const points: SeriesPoint[] = [];
    for (let start = window.from; start < window.to; start += window.ms) points.push(entry.points.get(start) ?? emptyPoint(start));
    return { group, points };
  });
  return { series, omittedGroups: ordered.length - kept.length };
}
