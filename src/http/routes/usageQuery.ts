/**
 * The query parameters the usage APIs share (listing, export, series): the ledger filters as TypeBox properties,
 * and the from/to instants parsed strictly.
 */
import { Type } from "@sinclair/typebox";
import type { UsageStatus } from "../../store/usageLedger.js";
import { GatewayError } from "../../errors.js";

const time = Type.String({ minLength: 1, maxLength: 40, description: "ISO 8601 date (UTC midnight) or date-time with a zone" });
const text = Type.String({ minLength: 1, maxLength: 200 });
const status = Type.Unsafe<UsageStatus>({ type: "string", enum: ["complete", "incomplete", "failed", "rejected"] });

/** Filters every caller may use on their own usage. */
export const ownFilterProperties = {
  from: Type.Optional({ ...time, description: "start, inclusive: ISO 8601 date (UTC midnight) or date-time with a zone" }),
  to: Type.Optional({ ...time, description: "end, exclusive: ISO 8601 date (UTC midnight) or date-time with a zone" }),
  traceId: Type.Optional({ ...text, description: "the request(s) of one trace, as in a response's x-trace-id header" }),
};

/** Everything an admin may filter everyone's usage by. */
export const adminFilterProperties = {
  ...ownFilterProperties,
  userId: Type.Optional(text),
  keyId: Type.Optional(text),
  engine: Type.Optional({ ...text, description: "the engine that served the request" }),
  model: Type.Optional({ ...text, description: "the model that served the request" }),
  route: Type.Optional({ ...text, description: "what the client asked for: a route name, `auto`, or `engine/model`" }),
  status: Type.Optional(status),
  requestId: Type.Optional(text),
};

/** from and to as epoch ms; invalid_request when either is malformed or from is after to. */
export function usageRange(query: { from?: string | undefined; to?: string | undefined }): { from: number | undefined; to: number | undefined } {
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
