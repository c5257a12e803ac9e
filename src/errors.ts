/**
 * The few error types the gateway raises. Every failure that reaches a client is a GatewayError with a stable
 * code; the HTTP edge maps it to a status and an envelope once, so nothing below it knows about HTTP.
 */
export type ErrorCode =
  | "invalid_request"
  | "unauthorized"
  | "forbidden"
  | "csrf_failed"
  | "not_found"
  | "payload_too_large"
  | "rate_limited"
  | "budget_exceeded"
  | "guardrail_refused"
  | "engine_unavailable"
  | "engine_overloaded"
  | "engine_timeout"
  | "upstream_error"
  | "store_unavailable"
  | "server_overloaded"
  | "request_timeout"
  | "internal_error";

const statusByCode: Record<ErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  csrf_failed: 403,
  not_found: 404,
  payload_too_large: 413,
  rate_limited: 429,
  budget_exceeded: 402,
  // A client error like invalid_request (retrying the same text gets the same answer), as OpenAI's own content
  // refusals are 400s; 422 would be a status its clients and Anthropic's have no class for.
  guardrail_refused: 400,
  engine_unavailable: 503,
  engine_overloaded: 503,
  engine_timeout: 504,
  upstream_error: 502,
  store_unavailable: 503,
  server_overloaded: 503,
  request_timeout: 504,
  internal_error: 500,
};

export interface GatewayErrorOptions {
  /** The request field at fault, when there is one (OpenAI's `param`). */
  param?: string;
  /** Seconds a client should wait before retrying (sent as Retry-After). */
  retryAfterSeconds?: number;
  /** The same, precisely, when known (an upstream's retry-after-ms); retryAfterSeconds is derived from it. */
  retryAfterMs?: number;
  /** Whether a retry on another attempt or engine might succeed. */
  retryable?: boolean;
  /** Overrides the code's usual status within the same class (e.g. 415 for an unsupported media type). */
  status?: number;
  /** The guardrail rule that refused the request (guardrail_refused), named in every envelope. */
  rule?: string;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly param: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly retryable: boolean;
  readonly rule: string | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "GatewayError";
    this.code = code;
    this.status = options.status ?? statusByCode[code];
    this.param = options.param;
    this.retryAfterMs = options.retryAfterMs ?? (options.retryAfterSeconds === undefined ? undefined : options.retryAfterSeconds * 1000);
    this.retryAfterSeconds = options.retryAfterSeconds ?? (options.retryAfterMs === undefined ? undefined : Math.ceil(options.retryAfterMs / 1000));
    this.retryable = options.retryable ?? false;
    this.rule = options.rule;
  }
}

export function statusForCode(code: ErrorCode): number {
  return statusByCode[code];
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}

/** True when the error is the result of an AbortSignal firing (client gone, shutdown, timeout). */
export function isAbortError(value: unknown): boolean {
  return value instanceof Error && (value.name === "AbortError" || value.name === "TimeoutError");
}
