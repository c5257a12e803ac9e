/**
 * The request log's filters as the usage API's query: an admin filters everyone's requests
 * (GET /api/v2/admin/usage); a user searches their own (GET /api/v2/usage: time range and trace id only).
 */
import { queryString } from "../../api/createApiClient";
import { localInputToIso } from "../../format/formatters";

export interface RequestFilters {
  userId: string;
  keyId: string;
  route: string;
  engine: string;
  model: string;
  status: "" | "complete" | "incomplete" | "failed" | "rejected";
  traceId: string;
  /** datetime-local values (the browser's local time). */
  from: string;
  to: string;
}

export const emptyFilters: RequestFilters = { userId: "", keyId: "", route: "", engine: "", model: "", status: "", traceId: "", from: "", to: "" };

export const PAGE_SIZE = 50;

export function requestLogPath(filters: RequestFilters, admin: boolean, cursor?: string): string {
  const own = { traceId: filters.traceId.trim(), from: localInputToIso(filters.from), to: localInputToIso(filters.to), limit: PAGE_SIZE, cursor };
  if (!admin) return `/api/v2/usage${queryString(own)}`;
  return `/api/v2/admin/usage${queryString({
    userId: filters.userId.trim(),
    keyId: filters.keyId.trim(),
    route: filters.route.trim(),
    engine: filters.engine.trim(),
    model: filters.model.trim(),
    status: filters.status,
    ...own,
  })}`;
}

export function requestDetailPath(requestId: string, admin: boolean): string {
  return `${admin ? "/api/v2/admin/requests" : "/api/v2/requests"}/${encodeURIComponent(requestId)}`;
}
