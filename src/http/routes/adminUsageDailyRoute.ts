/**
 * `GET /api/v2/admin/usage/daily`: the daily usage roll-ups over a range of UTC days, per day or per day and
 * user, key, engine or model. Answers from the roll-up table (as of the last roll-up run), so it stays cheap
 * however long the range and however much of the ledger retention has already removed.
 */
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import type { DailyUsageItem, UsageGroupBy, UsageRollupStore } from "../../store/usageRollups.js";
import { guardStore } from "../../chat/guardStore.js";
import { GatewayError } from "../../errors.js";
import { isDay } from "../../store/utcDay.js";
import { pageQuery, parsePageQuery } from "../pageQuery.js";

const day = Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$", description: "UTC day, YYYY-MM-DD" });
const groupBy = Type.Unsafe<UsageGroupBy>({ type: "string", enum: ["user", "key", "engine", "model"] });
const query = Type.Object(
  {
    ...pageQuery.properties,
    from: { ...day, description: "first UTC day, YYYY-MM-DD (inclusive)" },
    to: { ...day, description: "UTC day after the last, YYYY-MM-DD (exclusive)" },
    groupBy: Type.Optional(groupBy),
  },
  { additionalProperties: false },
);

const schema = {
  tags: ["usage"],
  summary: "Daily usage roll-ups",
  description:
    "Usage per UTC day, or per day and user, key, engine or model: `{data: [{day, userId|keyId|engine|model, requests, inputTokens, outputTokens, costUsd}], nextCursor, totals}`, oldest day first; totals cover the whole range. Reflects the last roll-up run.",
  querystring: query,
};

const FIELD = { user: "userId", key: "keyId", engine: "engine", model: "model" } as const;

export function adminUsageDailyRoute(app: FastifyInstance, deps: { rollups: UsageRollupStore }): void {
  app.get("/api/v2/admin/usage/daily", { config: { policy: "admin" }, schema }, async (request) => {
    const params = request.query as Static<typeof query>;
    for (const param of ["from", "to"] as const) {
      if (!isDay(params[param])) throw new GatewayError("invalid_request", `${param} must be a calendar date, YYYY-MM-DD`, { param });
    }
    if (params.from > params.to) throw new GatewayError("invalid_request", "from must not be after to", { param: "from" });
    const range = { from: params.from, to: params.to, groupBy: params.groupBy };
    const page = parsePageQuery(params);
    const [result, totals] = await guardStore(() => Promise.all([deps.rollups.daily(range, page), deps.rollups.dailyTotals(range)]));
    return { data: result.items.map((item) => view(item, params.groupBy)), nextCursor: result.nextCursor, totals };
  });
}

function view(item: DailyUsageItem, groupBy: UsageGroupBy | undefined) {
  const { day: itemDay, group, ...totals } = item;
  return groupBy === undefined ? { day: itemDay, ...totals } : { day: itemDay, [FIELD[groupBy]]: group ?? null, ...totals };
}
