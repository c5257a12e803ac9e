/**
 * Usage as time series for charts: `GET /api/v2/admin/usage/series` (everyone's, any grouping) and
 * `GET /api/v2/usage/series` (the caller's own). One point per UTC hour or day of the window, dense, with
 * requests, errors, tokens, cost and latency/TTFT percentiles; see store/usageSeries for how it is computed.
 */
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import type { UsageLedger } from "../../store/usageLedger.js";
import type { UsageFilter } from "../../store/usageFilter.js";
import { BUCKET_MS, MAX_BUCKETS, type Percentiles, type SeriesBucket, type SeriesGroupBy, type UsageSeries } from "../../store/usageSeries.js";
import { guardStore } from "../../chat/guardStore.js";
import { GatewayError } from "../../errors.js";
import { adminFilterProperties, usageRange } from "./usageQuery.js";

/** Rows one series call may cover: a bound on what the database sorts for the percentiles. */
export const MAX_SERIES_ROWS = 200_000;
/** Default window when from is not given: the last 24 hours, or the last 30 days. */
const DEFAULT_BUCKETS: Readonly<Record<SeriesBucket, number>> = { hour: 24, day: 30 };

const bucket = Type.Unsafe<SeriesBucket>({ type: "string", enum: ["hour", "day"], description: "UTC hours or UTC days (default hour)" });
const groupsOf = (values: readonly SeriesGroupBy[]) => Type.Unsafe<SeriesGroupBy>({ type: "string", enum: [...values], description: "one series per value of this column (default none: one series)" });
const limit = Type.String({ pattern: "^(100|[1-9][0-9]?)$", description: "at most this many series, those with the most requests (1 to 100, default 20)" });
const filters = adminFilterProperties;
const common = {
  from: filters.from,
  to: filters.to,
  bucket: Type.Optional(bucket),
  limit: Type.Optional(limit),
  keyId: filters.keyId,
  engine: filters.engine,
  model: filters.model,
  route: filters.route,
  status: filters.status,
};
const ownQuery = Type.Object({ ...common, groupBy: Type.Optional(groupsOf(["none", "key", "engine", "model", "route"])) }, { additionalProperties: false });
const adminQuery = Type.Object({ ...common, userId: filters.userId, groupBy: Type.Optional(groupsOf(["none", "user", "key", "engine", "model", "route"])) }, { additionalProperties: false });

const shape =
  "`{bucket, groupBy, from, to, series: [{group, points: [{start, requests, errors, inputTokens, outputTokens, costUsd, latencyMs: {p50, p95, p99} | null, ttftMs: {p50, p95, p99} | null}]}], omittedGroups}`. " +
  "from is rounded down and to up to whole buckets (default: the last 24 hours, or 30 days with bucket=day, up to the current bucket's end); " +
  `every bucket has a point. errors counts failed and rejected requests; percentiles are nearest-rank over the bucket's requests (latency: those not rejected; TTFT: those that produced a first token). At most ${MAX_BUCKETS} buckets and ${MAX_SERIES_ROWS} matching requests per call (400 invalid_request beyond).`;
const ownSchema = { tags: ["usage"], summary: "Your usage over time", description: `Your own requests per hour or day: ${shape}`, querystring: ownQuery };
const adminSchema = { tags: ["usage"], summary: "Usage over time", description: `Every request per hour or day, optionally per user, key, engine, model or route: ${shape}`, querystring: adminQuery };

export interface UsageSeriesRouteDeps {
  usage: UsageLedger;
  /** Writes this replica's buffered ledger rows first, so the caller's latest requests are counted. */
  flush(): Promise<void>;
  now?: () => number;
}

type SeriesQuery = Static<typeof adminQuery>;

export function usageSeriesRoutes(app: FastifyInstance, deps: UsageSeriesRouteDeps): void {
  const now = deps.now ?? Date.now;
  const answer = async (query: SeriesQuery, filter: Omit<UsageFilter, "from" | "to">) => {
    const size = query.bucket ?? "hour";
    const groupBy = query.groupBy ?? "none";
    const window = windowOf(query, size, now());
    await deps.flush();
    const result = await guardStore(() =>
      deps.usage.series({ ...window, bucket: size, groupBy, filter, maxSeries: query.limit === undefined ? 20 : Number(query.limit), maxRows: MAX_SERIES_ROWS }),
    );
    return seriesView(result, size, groupBy);
  };

  app.get("/api/v2/usage/series", { config: { policy: "user" }, schema: ownSchema }, async (request) => {
    const query = request.query as Static<typeof ownQuery>;
    const { keyId, engine, model, route, status } = query;
    return answer(query, { userId: request.principal.userId, keyId, engine, model, route, status });
  });

  app.get("/api/v2/admin/usage/series", { config: { policy: "admin" }, schema: adminSchema }, async (request) => {
    const query = request.query as SeriesQuery;
    const { userId, keyId, engine, model, route, status } = query;
    return answer(query, { userId, keyId, engine, model, route, status });
  });
}

/** The window asked for, with the defaults filled in; the store rounds it to whole buckets. */
function windowOf(query: SeriesQuery, size: SeriesBucket, now: number): { from: number; to: number } {
  const ms = BUCKET_MS[size];
  const range = usageRange(query);
  const end = range.to ?? now;
  const start = range.from ?? Math.ceil(end / ms) * ms - DEFAULT_BUCKETS[size] * ms;
  if (start > end) throw new GatewayError("invalid_request", "from must not be after to (to defaults to now)", { param: "from" });
  return { from: start, to: end };
}

function seriesView(result: UsageSeries, size: SeriesBucket, groupBy: SeriesGroupBy) {
  const percentiles = (value: Percentiles | null) => (value === null ? null : { p50: value.p50, p95: value.p95, p99: value.p99 });
  return {
    bucket: size,
    groupBy,
    from: new Date(result.from).toISOString(),
    to: new Date(result.to).toISOString(),
    series: result.series.map(({ group, points }) => ({
      group,
      points: points.map((point) => ({
        start: new Date(point.start).toISOString(),
        requests: point.requests,
        errors: point.errors,
        inputTokens: point.inputTokens,
        outputTokens: point.outputTokens,
        costUsd: point.costUsd,
        latencyMs: percentiles(point.latencyMs),
        ttftMs: percentiles(point.ttftMs),
      })),
    })),
    omittedGroups: result.omittedGroups,
  };
}
