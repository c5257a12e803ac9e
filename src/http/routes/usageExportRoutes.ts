/**
 * Usage as a CSV download: `GET /api/v2/admin/usage/export.csv` (everyone's, with the admin listing's filters)
 * and `GET /api/v2/usage/export.csv` (the caller's own). Streamed page by page through the ledger's keyset
 * listing, newest first, so an export of any size holds one page in memory and follows the client's pace.
 */
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import type { UsageFilter, UsageLedger, UsagePage } from "../../store/usageLedger.js";
import { guardStore } from "../../chat/guardStore.js";
import { yieldToEventLoop } from "../../store/yieldToEventLoop.js";
import { adminFilterProperties, ownFilterProperties, usageRange } from "./usageQuery.js";
import { USAGE_CSV_HEADER, usageCsvLine } from "./usageCsv.js";

/** Rows per ledger read. */
const PAGE_ROWS = 500;

const ownQuery = Type.Object(ownFilterProperties, { additionalProperties: false });
const adminQuery = Type.Object(adminFilterProperties, { additionalProperties: false });
const shape =
  "`text/csv` with a header row (every column of the usage listing), one line per request, newest first, as an attachment named `switchyard-usage-<from>-<to>.csv`. Fields are quoted per RFC 4180; text starting with = + - @ is prefixed with ' so spreadsheets do not run it.";
const ownSchema = { tags: ["usage"], summary: "Export your usage as CSV", description: `Your own requests: ${shape}`, querystring: ownQuery };
const adminSchema = { tags: ["usage"], summary: "Export usage as CSV", description: `Every request matching the filters: ${shape}`, querystring: adminQuery };

export interface UsageExportRouteDeps {
  usage: UsageLedger;
  /** Writes this replica's buffered ledger rows first, so the export has the caller's latest requests. */
  flush(): Promise<void>;
  now?: () => number;
}

export function usageExportRoutes(app: FastifyInstance, deps: UsageExportRouteDeps): void {
  const now = deps.now ?? Date.now;
  const send = async (reply: FastifyReply, filter: UsageFilter) => {
    await deps.flush();
    const exportedAt = now();
    // The first page before any byte goes out: a store that is down is still a 503 with an error body, not an
    // empty file. A failure later cuts the download off (the client sees an incomplete transfer).
    const first = await guardStore(() => deps.usage.list(filter, { limit: PAGE_ROWS }));
    const name = `switchyard-usage-${filter.from === undefined ? "start" : compact(filter.from)}-${compact(filter.to ?? exportedAt)}.csv`;
    return reply
      .header("content-type", "text/csv; charset=utf-8")
      .header("content-disposition", `attachment; filename="${name}"`)
      .header("cache-control", "no-store")
      .send(Readable.from(csv(deps.usage, filter, first), { objectMode: false }));
  };

  app.get("/api/v2/usage/export.csv", { config: { policy: "user" }, schema: ownSchema }, async (request, reply) => {
    const query = request.query as Static<typeof ownQuery>;
    return send(reply, { userId: request.principal.userId, traceId: query.traceId, ...usageRange(query) });
  });

  app.get("/api/v2/admin/usage/export.csv", { config: { policy: "admin" }, schema: adminSchema }, async (request, reply) => {
    const query = request.query as Static<typeof adminQuery>;
    const { userId, keyId, engine, model, status, route, traceId, requestId } = query;
    return send(reply, { userId, keyId, engine, model, status, route, traceId, requestId, ...usageRange(query) });
  });
}

async function* csv(usage: UsageLedger, filter: UsageFilter, first: UsagePage): AsyncGenerator<string> {
  yield USAGE_CSV_HEADER;
  let page = first;
  for (;;) {
    yield page.items.map(usageCsvLine).join("");
    if (page.nextCursor === null) return;
    const cursor = page.nextCursor;
    // SQLite answers synchronously: without this, a fast client would have the whole export read in one turn.
    await yieldToEventLoop();
    page = await usage.list(filter, { limit: PAGE_ROWS, cursor });
  }
}

/** 2025-01-31T12:00:00.000Z → 20250131T120000Z: an instant that is safe in a file name. */
function compact(at: number): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}
