/**
 * Classifies Anthropic's failures: a non-2xx answer, or an `error` event in the stream. Both carry Anthropic's
 * envelope `{"type": "error", "error": {"type", "message"}}`; its message goes into the GatewayError's (cut short,
 * since an upstream's text has no bound) so an operator reading the client's error sees what Anthropic said.
 */
import { GatewayError } from "../../errors.js";
import { parseRetryAfterMs } from "../openai/parseRetryAfter.js";
import type { UpstreamHeaders } from "../openai/mapUpstreamError.js";

export interface AnthropicErrorDetail {
  /** Anthropic's error type (`overloaded_error`, `invalid_request_error`, …), when the body had one. */
  type: string | undefined;
  message: string | undefined;
}

const messageLimit = 500;

export function mapAnthropicError(status: number, headers: UpstreamHeaders, body: string): GatewayError {
  const detail = readAnthropicError(body);
  const cause = { status, type: detail.type, message: detail.message };
  const said = saying(detail);
  switch (status) {
    case 400:
    case 404:
    case 413:
    case 422:
      return new GatewayError("invalid_request", detail.message === undefined ? `upstream rejected the request (${status})` : bounded(detail.message), { retryable: false, cause });
    case 401:
    case 403:
      return new GatewayError("upstream_error", `upstream rejected the engine's API key (${status}): check the engine's apiKey${said}`, { retryable: false, cause });
    case 408:
      return new GatewayError("engine_timeout", `upstream timed out reading the request${said}`, { retryable: true, cause });
    case 429:
      return new GatewayError("engine_overloaded", `upstream is rate limiting the engine; retry later${said}`, { ...retryAfterOf(headers), retryable: true, cause });
    // Anthropic's own status for an API overloaded across all its customers.
    case 529:
      return new GatewayError("engine_overloaded", `upstream is overloaded; retry later${said}`, { ...retryAfterOf(headers), retryable: true, cause });
  }
  if (status >= 500) return new GatewayError("upstream_error", `upstream failed with status ${status}${said}`, { ...retryAfterOf(headers), retryable: true, cause });
  return new GatewayError("upstream_error", `upstream answered with unexpected status ${status}${said}`, { retryable: false, cause });
}

/** An `error` event: the request was accepted, so whatever went wrong is on the upstream's side. */
export function mapAnthropicStreamError(detail: AnthropicErrorDetail, retryable: boolean): GatewayError {
  const cause = { type: detail.type, message: detail.message };
  const said = saying(detail);
  if (detail.type === "overloaded_error" || detail.type === "rate_limit_error") {
    // After output the router may not try elsewhere, so the client hears of it as the stream's failure.
    return new GatewayError(retryable ? "engine_overloaded" : "upstream_error", `upstream is overloaded${said}`, { retryable, cause });
  }
  return new GatewayError("upstream_error", `upstream reported an error in the stream${said}`, { retryable, cause });
}

export function readAnthropicError(body: string): AnthropicErrorDetail {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const text = body.trim();
    return { type: undefined, message: text.length > 0 ? text : undefined };
  }
  return errorDetailOf(parsed);
}

/** The `error` member of an envelope (or an event), read field by field. */
export function errorDetailOf(value: unknown): AnthropicErrorDetail {
  const error: unknown = typeof value === "object" && value !== null ? (value as { error?: unknown }).error : undefined;
  if (typeof error !== "object" || error === null) return { type: undefined, message: undefined };
  const { type, message } = error as { type?: unknown; message?: unknown };
  return {
    type: typeof type === "string" && type.length > 0 ? type : undefined,
    message: typeof message === "string" && message.length > 0 ? message : undefined,
  };
}

function saying(detail: AnthropicErrorDetail): string {
  if (detail.message === undefined) return detail.type === undefined ? "" : ` (${detail.type})`;
  return detail.type === undefined ? `: ${bounded(detail.message)}` : ` (${detail.type}): ${bounded(detail.message)}`;
}

function bounded(text: string): string {
  return text.length <= messageLimit ? text : `${text.slice(0, messageLimit)}…`;
}

function retryAfterOf(headers: UpstreamHeaders): { retryAfterMs?: number } {
  const value = headers["retry-after"];
  const ms = parseRetryAfterMs(Array.isArray(value) ? value[0] : value);
  return ms === undefined ? {} : { retryAfterMs: ms };
}
