/** Which ledger rows a usage read covers; one set of WHERE terms for the listing, totals, export and series. */
import type { SelectQueryBuilder } from "kysely";
import type { Database } from "./schema.js";
import type { UsageStatus } from "./usageLedgerTable.js";

export interface UsageFilter {
  userId?: string | undefined;
  keyId?: string | undefined;
  engine?: string | undefined;
  model?: string | undefined;
  status?: UsageStatus | undefined;
  /** What the client asked for (a route name, `auto`, or `engine/model`), as recorded. */
  route?: string | undefined;
  traceId?: string | undefined;
  requestId?: string | undefined;
  /** Epoch ms, inclusive. */
  from?: number | undefined;
  /** Epoch ms, exclusive. */
  to?: number | undefined;
}

export function filteredUsage<O>(query: SelectQueryBuilder<Database, "usage_ledger", O>, filter: UsageFilter): SelectQueryBuilder<Database, "usage_ledger", O> {
  let q = query;
  if (filter.userId !== undefined) q = q.where("user_id", "=", filter.userId);
  if (filter.keyId !== undefined) q = q.where("key_id", "=", filter.keyId);
  if (filter.engine !== undefined) q = q.where("engine", "=", filter.engine);
  if (filter.model !== undefined) q = q.where("model", "=", filter.model);
  if (filter.status !== undefined) q = q.where("status", "=", filter.status);
  if (filter.route !== undefined) q = q.where("route", "=", filter.route);
  if (filter.traceId !== undefined) q = q.where("trace_id", "=", filter.traceId);
  if (filter.requestId !== undefined) q = q.where("request_id", "=", filter.requestId);
  if (filter.from !== undefined) q = q.where("created_at", ">=", filter.from);
  if (filter.to !== undefined) q = q.where("created_at", "<", filter.to);
  return q;
}
