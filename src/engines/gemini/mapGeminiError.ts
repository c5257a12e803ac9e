/**
 * Classifies Google's error envelope `{"error": {"code", "message", "status", "details"}}`, from a non-2xx answer
 * or an in-band stream event. Google's `status` names the failure even where the HTTP status is generic, so it
 * is read first. As with the OpenAI wire, only client errors carry the upstream's message to the client.
 */
import { GatewayError } from "../../errors.js";
import { isRecord } from "../../isRecord.js";
import { parseRetryAfterMs } from "../openai/parseRetryAfter.js";

export type UpstreamHeaders = Record<string, string | string[] | undefined>;

export interface GoogleError {
  code: number | undefined;
  message: string | undefined;
  status: string | undefined;
  /** From a google.rpc.RetryInfo detail ("7s"), used when no Retry-After header came. */
  retryDelayMs: number | undefined;
}

export function mapGeminiError(httpStatus: number, headers: UpstreamHeaders, body: string): GatewayError {
  return classify(httpStatus, headers, readGoogleError(body));
}

/** An in-band `{"error": …}` event: no HTTP status of its own, so the envelope's code stands in. */
export function mapGeminiStreamError(error: GoogleError): GatewayError {
  return classify(error.code ?? 500, {}, error);
}

function classify(httpStatus: number, headers: UpstreamHeaders, detail: GoogleError): GatewayError {
  const cause = { status: httpStatus, googleStatus: detail.status, message: detail.message };
  if (httpStatus === 429 || detail.status === "RESOURCE_EXHAUSTED") {
    return new GatewayError("engine_overloaded", "upstream is rate limiting the engine; retry later", { ...retryAfterOf(headers, detail), retryable: true, cause });
  }
  if (httpStatus === 401 || httpStatus === 403 || detail.status === "UNAUTHENTICATED" || detail.status === "PERMISSION_DENIED") {
    return new GatewayError("upstream_error", "upstream rejected the engine's credentials", { retryable: false, cause });
  }
  if (httpStatus === 400 || httpStatus === 404 || detail.status === "INVALID_ARGUMENT" || detail.status === "NOT_FOUND" || detail.status === "FAILED_PRECONDITION") {
    return new GatewayError("invalid_request", detail.message ?? `upstream rejected the request (${httpStatus})`, { retryable: false, cause });
  }
  if (httpStatus === 504 || detail.status === "DEADLINE_EXCEEDED") {
    return new GatewayError("engine_timeout", "upstream ran out of time producing the answer", { retryable: true, cause });
  }
  if (httpStatus >= 500 || detail.status === "UNAVAILABLE" || detail.status === "INTERNAL") {
    return new GatewayError("upstream_error", `upstream failed with status ${httpStatus}`, { ...retryAfterOf(headers, detail), retryable: true, cause });
  }
  return new GatewayError("upstream_error", `upstream answered with unexpected status ${httpStatus}`, { retryable: false, cause });
}

function retryAfterOf(headers: UpstreamHeaders, detail: GoogleError): { retryAfterMs?: number } {
  const header = headers["retry-after"];
  const ms = parseRetryAfterMs(Array.isArray(header) ? header[0] : header) ?? detail.retryDelayMs;
  return ms === undefined ? {} : { retryAfterMs: ms };
}

export function readGoogleError(body: string): GoogleError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const text = body.trim();
    return { code: undefined, message: text.length > 0 && text.length <= 1000 ? text : undefined, status: undefined, retryDelayMs: undefined };
  }
  // Some Google front ends wrap the envelope in an array.
  const envelope = Array.isArray(parsed) ? (parsed[0] as unknown) : parsed;
  return googleErrorOf(isRecord(envelope) ? envelope.error : undefined);
}

export function googleErrorOf(error: unknown): GoogleError {
  if (!isRecord(error)) return { code: undefined, message: undefined, status: undefined, retryDelayMs: undefined };
  const { code, message, status, details } = error;
  return {
    code: typeof code === "number" ? code : undefined,
    message: typeof message === "string" && message.length > 0 ? message : undefined,
    status: typeof status === "string" ? status : undefined,
    retryDelayMs: retryDelayOf(details),
  };
}

function retryDelayOf(details: unknown): number | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const detail of details as unknown[]) {
    if (!isRecord(detail) || typeof detail.retryDelay !== "string") continue;
    const match = /^(\d+(?:\.\d+)?)s$/.exec(detail.retryDelay);
    if (match) return Number(match[1]) * 1000;
  }
  return undefined;
}
