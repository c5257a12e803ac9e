/**
 * Usage from the ledger: `GET /api/v2/usage` (the caller's own requests) and `GET /api/v2/admin/usage`
 * (everyone's, filterable), newest first, with totals over the whole filter (not just the page).
 */
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import type { UsageFilter, UsageLedger, UsageRecord, UsageStatus } from "../../store/usageLedger.js";
import { guardStore } from "../../chat/guardStore.js";
import { GatewayError } from "../../errors.js";
import { pageQuery, parsePageQuery } from "../pageQuery.js";

const time = Type.String({ minLength: 1, maxLength: 40, description: "ISO 8601 date or date-time" });
const ownQuery = Type.Object({ ...pageQuery.properties, from: Type.Optional(time), to: Type.Optional(time) }, { additionalProperties: false });
const status = Type.Unsafe<UsageStatus>({ type: "string", enum: ["complete", "incomplete", "failed", "rejected"] });
const text = Type.String({ minLength: 1, maxLength: 200 });
const adminQuery = Type.Object(
  {
    ...ownQuery.properties,
    userId: Type.Optional(text),
    keyId: Type.Optional(text),
    engine: Type.Optional(text),
    model: Type.Optional(text),
    status: Type.Optional(status),
  },
  { additionalProperties: false },
);

const answerShape = "`{data, nextCursor, totals: {requests, inputTokens, outputTokens, costUsd}}`, newest first; totals cover the whole filter.";
const ownSchema = { tags: ["usage"], summary: "Your usage", description: `Your own requests: ${answerShape}`, querystring: ownQuery };
const adminSchema = { tags: ["usage"], summary: "Everyone's usage", description: `Every request: ${answerShape}`, querystring: adminQuery };

export interface UsageRouteDeps {
  usage: UsageLedger;
  /** Writes this replica's buffered ledger rows first, so a caller sees the requests it just made. */
  flush(): Promise<void>;
}

export function usageRoutes(app: FastifyInstance, deps: UsageRouteDeps): void {
  const answer = async (filter: UsageFilter, query: Static<typeof ownQuery>) => {
    const page = parsePageQuery(query);
    await deps.flush();
    const [result, totals] = await guardStore(() => Promise.all([deps.usage.list(filter, page), deps.usage.totals(filter)]));
    return { data: result.items.map(usageView), nextCursor: result.nextCursor, totals };
  };

  app.get("/api/v2/usage", { config: { policy: "user" }, schema: ownSchema }, async (request) => {
    const query = request.query as Static<typeof ownQuery>;
    return answer({ userId: request.principal.userId, ...range(query) }, query);
  });

  app.get("/api/v2/admin/usage", { config: { policy: "admin" }, schema: adminSchema }, async (request) => {
    const query = request.query as Static<typeof adminQuery>;
    const { userId, keyId, engine, model, status: wanted } = query;
    return answer({ userId, keyId, engine, model, status: wanted, ...range(query) }, query);
  });
}

function range(query: { from?: string | undefined; to?: string | undefined }): Pick<UsageFilter, "from" | "to"> {
  const from = query.from === undefined ? undefined : instant(query.from, "from");
  const to = query.to === undefined ? undefined : instant(query.to, "to");
  if (from !== undefined && to !== undefined && from > to) throw new GatewayError("invalid_request", "from must not be after to", { param: "from" });
  return { from, to };
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

function instant(value: string, param: string): number {
  // A date (UTC midnight) or a date-time with its zone: Date.parse alone would take "1" or "March 7", and read a
  // date-time without a zone in the server's local time.
  const at = ISO_INSTANT.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) throw new GatewayError("invalid_request", `${param} must be an ISO 8601 date or date-time with a zone, e.g. 2025-01-31 or 2025-01-31T12:00:00Z`, { param });
  return at;
}

function usageView(record: UsageRecord) {
  return {
    id: record.id,
    createdAt: new Date(record.createdAt).toISOString(),
    requestId: record.requestId,
    traceId: record.traceId,
    keyId: record.keyId,
    userId: record.userId,
    route: record.route,
    engine: record.engine,
    model: record.model,
    inputTokens: record.inputTokens,
    cachedInputTokens: record.cachedInputTokens,
    outputTokens: record.outputTokens,
    reasoningTokens: record.reasoningTokens,
    costUsd: record.costUsd,
    estimated: record.estimated,
    latencyMs: record.latencyMs,
    ttftMs: record.ttftMs,
    status: record.status,
    errorCode: record.errorCode,
  };
}
