import { GatewayError } from "../../errors.js";
import { parseRetryAfterMs } from "./parseRetryAfter.js";

export type UpstreamHeaders = Record<string, string | string[] | undefined>;

/**
 * Classifies an upstream's non-2xx answer. Only client errors carry the upstream's message to the client (it
 * explains what to fix); for the rest the message may hold internals or account details, so it stays in `cause`
 * for the logs. A client error never becomes a 5xx.
 */
export function mapUpstreamError(status: number, headers: UpstreamHeaders, body: string): GatewayError {
  const detail = readErrorBody(body);
  const cause = { status, message: detail.message };
  switch (status) {
    case 400:
    case 404:
    case 413:
    case 422:
      return new GatewayError("invalid_request", detail.message ?? `upstream rejected the request (${status})`, {
        ...(detail.param ? { param: detail.param } : {}),
        retryable: false,
        cause,
      });
    case 401:
    case 403:
      return new GatewayError("upstream_error", "upstream rejected the engine's credentials", { retryable: false, cause });
    case 408:
      return new GatewayError("engine_timeout", "upstream timed out reading the request", { retryable: true, cause });
    case 429:
      return new GatewayError("engine_overloaded", "upstream is rate limiting the engine; retry later", {
        ...retryAfterOf(headers),
        retryable: true,
        cause,
      });
  }
  if (status >= 500) {
    return new GatewayError("upstream_error", `upstream failed with status ${status}`, {
      ...retryAfterOf(headers),
      retryable: true,
      cause,
    });
  }
  return new GatewayError("upstream_error", `upstream answered with unexpected status ${status}`, { retryable: false, cause });
}

function retryAfterOf(headers: UpstreamHeaders): { retryAfterMs?: number } {
  const ms = parseRetryAfterMs(firstHeader(headers["retry-after"]), firstHeader(headers["retry-after-ms"]));
  return ms === undefined ? {} : { retryAfterMs: ms };
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** OpenAI's `{"error": {"message", "param"}}`, plus the `{"error": "text"}` and `{"message"}` shapes others use. */
function readErrorBody(body: string): { message: string | undefined; param: string | undefined } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const text = body.trim();
    return { message: text.length > 0 && text.length <= 1000 ? text : undefined, param: undefined };
  }
  if (typeof parsed !== "object" || parsed === null) return { message: undefined, param: undefined };
  const error: unknown = (parsed as { error?: unknown }).error ?? parsed;
  if (typeof error === "string") return { message: error, param: undefined };
  if (typeof error !== "object" || error === null) return { message: undefined, param: undefined };
  const { message, param } = error as { message?: unknown; param?: unknown };
  return {
    message: typeof message === "string" && message.length > 0 ? message : undefined,
    param: typeof param === "string" && param.length > 0 ? param : undefined,
  };
}

