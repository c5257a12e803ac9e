/**
 * Usage from the ledger: `GET /api/v2/usage` (the caller's own requests) and `GET /api/v2/admin/usage`
 * (everyone's, filterable), newest first, with totals over the whole filter (not just the page).
 */
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import type { UsageFilter, UsageLedger } from "../../store/usageLedger.js";
import { guardStore } from "../../chat/guardStore.js";
import { pageQuery, parsePageQuery } from "../pageQuery.js";
import { adminFilterProperties, ownFilterProperties, usageRange } from "./usageQuery.js";
import { usageView } from "./usageView.js";

const ownQuery = Type.Object({ ...pageQuery.properties, ...ownFilterProperties }, { additionalProperties: false });
const adminQuery = Type.Object({ ...pageQuery.properties, ...adminFilterProperties }, { additionalProperties: false });

const answerShape = "`{data, nextCursor, totals: {requests, inputTokens, outputTokens, costUsd}}`, newest first; totals cover the whole filter.";
const ownSchema = { tags: ["usage"], summary: "Your usage", description: `Your own requests: ${answerShape}`, querystring: ownQuery };
const adminSchema = { tags: ["usage"], summary: "Everyone's usage", description: `Every request: ${answerShape}`, querystring: adminQuery };

export interface UsageRouteDeps {
  usage: UsageLedger;
  /** Writes this replica's buffered ledger rows first, so a caller sees the requests it just made. */
  flush(): Promise<void>;
}

export function usageRoutes(app: FastifyInstance, deps: UsageRouteDeps): void {
  const answer = async (filter: UsageFilter, query: Static<typeof pageQuery>) => {
    const page = parsePageQuery(query);
    await deps.flush();
    const [result, totals] = await guardStore(() => Promise.all([deps.usage.list(filter, page), deps.usage.totals(filter)]));
    return { data: result.items.map(usageView), nextCursor: result.nextCursor, totals };
  };

  app.get("/api/v2/usage", { config: { policy: "user" }, schema: ownSchema }, async (request) => {
    const query = request.query as Static<typeof ownQuery>;
    return answer({ userId: request.principal.userId, traceId: query.traceId, ...usageRange(query) }, query);
  });

  app.get("/api/v2/admin/usage", { config: { policy: "admin" }, schema: adminSchema }, async (request) => {
    const query = request.query as Static<typeof adminQuery>;
    const { userId, keyId, engine, model, status, route, traceId, requestId } = query;
    return answer({ userId, keyId, engine, model, status, route, traceId, requestId, ...usageRange(query) }, query);
  });
}
